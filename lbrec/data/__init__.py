"""The data layer: MovieLens in, prepared sequences out.

- `movielens`: the GroupLens registry, verified downloads and fast readers (`load` -> `Ratings`);
- `titles`: MovieLens titles taken apart (`split_title`) and the one film label (`film_label`);
- `prepare`: filter, threshold per user, sequence in time order, leave-one-out split, written atomically;
- `dataset`: a prepared folder read back, memory-mapped (`Dataset`);
- `sequences`: the model's input, left-padded histories (`left_pad`);
- `synthetic`: MovieLens-shaped data at the ML-32M scale, for benchmarks and tests.
Nothing here knows of the model, the catalog's matching or Letterboxd.
"""
