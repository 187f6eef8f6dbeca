"""The app layer: the Voilà page of `notebooks/05_recommend.ipynb`, a UI-free session under thin widget views.

- `session`: one visitor's state and the plain methods that change it (`Session`); the tests drive it directly;
- `views`: the widgets, bound to a session and re-rendered from it (`RecommenderApp`, and `main` for the notebook);
- `render`: the HTML made from the session's data, with `style.css`;
- `questions`, `question_views`, `render_questions`: the four questions beyond "for me" (rank a list, like this
  film, would I like it, watch together) in the same three parts;
- `environment`: the model loaded once per kernel, the Letterboxd client, the TMDb client (with a key), the server's
  log.
Only this layer imports ipywidgets.
"""
