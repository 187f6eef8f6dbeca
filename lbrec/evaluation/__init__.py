"""The evaluation layer: one honest protocol for every model, the baselines to beat, and the statistics.

- `protocol`: full-ranking leave-one-out evaluation (`evaluate_scorer`, `Evaluation`);
- `stats`: bootstrap intervals and paired tests over the same users;
- `baselines`: most popular, item-kNN and EASE;
- `itemitem`: the item-to-item model served beside SASRec and the blend of the two (NumPy only: serving reads it);
- `blend`: fitting that model from EASE or item-kNN, and choosing the blend on validation;
- `compare`: models and baselines on the same users of both splits (`compare`, `Comparison`).
A scorer, here and everywhere in lbrec, is a function from item histories to scores over every item.
"""
