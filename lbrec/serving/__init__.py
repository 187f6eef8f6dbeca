"""The serving layer: an exported model folder answered with onnxruntime and NumPy alone (no torch).

- `engine`: `Recommender`, the verified model folder and its answers;
- `items`: the catalog's columns aligned with the model's item indices;
- `filters`: which films may be recommended (genres, years, popularity);
- `results`: what an answer holds (`Recommendation`, `FilmRef`) and its links;
- `standing`: where every film stands for one user (rank and percentile among the films they have not seen);
- the questions beyond "what next": `rank` (a watchlist or a list, ranked), `predict` (would I like it?),
  `similar` (more like this film), `group` (watch together);
- `itemitem`: the item-to-item model served beside SASRec, and the blend of the two (memory-mapped CSR arrays);
- `latency`: the serving path's timings;
- `members_figure`: the served model's NDCG@10 on real Letterboxd members for the app's footer (what the members'
  benchmark recorded for this folder, else the reference build's).
"""
