"""The evaluation layer: one honest protocol for every model, the baselines to beat, and the statistics.

- `protocol`: full-ranking leave-one-out evaluation (`evaluate_scorer`, `Evaluation`);
- `stats`: bootstrap intervals and paired tests over the same users;
- `baselines`: most popular, item-kNN and EASE;
- `blend`: fitting the served item-to-item model (`lbrec.serving.itemitem`) from EASE or item-kNN, and choosing
  the blend on validation;
- `compare`: models and baselines on the same users of both splits (`compare`, `Comparison`).
A scorer, here and everywhere in lbrec, is a function from item histories to scores over every item.
"""
