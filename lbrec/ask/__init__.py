"""The questions layer: one way to ask, under both faces (the command line and the app).

- `person`: where a person's films come from (`Source`), their history read, and the films of it matched to the
  served model (`Person`), with the refusals of each step;
- `options`: how a question is asked (`Options`) and its one check into the engine's filters;
- `questions`: the five questions (`Ask`: recommend, rank, predict, similar, group), `ToRank`, `Member`;
- `answers`: what they answer (`Answer`) and its JSON.
The faces keep only what is theirs: the command line its arguments and printing, the app a visitor's state and its
widgets. Below it: serving (the model), the Letterboxd inputs and the catalog.
"""
