"""The app layer: the Voilà page of `notebooks/05_recommend.ipynb`, cut by concern for whoever asks "where is question
X answered on the page, and where does a new option go?". Under the widgets, a UI-free session the tests drive
directly; over it, thin views: the page's shell, one module per question, the options panel; the HTML of every
answer shares one card. Only this layer imports ipywidgets and anywidget, and it asks every question through
`lbrec.ask`.

- `session`: one visitor's state and the plain methods that change it, no widgets: `Session` (their films, options,
  marks and "for me") and `Questions` (the four other questions);
- `page`: the page's shell (`RecommenderApp`: header, question picker, the button, errors, footer) and the flow that
  asks the chosen question and shows its answer; `main` for the notebook;
- `sources`: where the visitor's own films come from, the three tabs (a username's RSS feed, an upload, typed
  titles);
- `questions/`: one module per question (`recommend` for me, `rank`, `similar`, `predict`, `group`), each with its
  inputs, its card and the HTML of its answer; `question` for what each declares;
- `settings`: the options panel every question shares, and which question uses which option (a new option goes
  here, and in `lbrec.ask.options.Options`);
- `cards`: the one card every question shows a film on, and the grid of an answer's cards;
- `screen`: the answer on screen, completed in threads by TMDb's posters (kept for the page), its shelf of newer
  films and the taste chart, a newer answer first;
- `where_to_watch`: a film's services in the chosen country, JustWatch's credit, the country menu;
- `memory`, `memory_widget`, `memory.js`: the marks (and the country) the visitor's browser keeps, read back as
  outside input, and the anywidget that keeps them in localStorage and carries the picture to share when asked;
- `downloads`: the files of an answer (list CSV, JSON, the picture to share, drawn when its link asks) and their
  links;
- `markup`: the HTML every part writes with (escaping, boxes, links, folding lists) and `style.css`;
- `environment`: the model loaded once per kernel, the Letterboxd client, the server's log.
"""
