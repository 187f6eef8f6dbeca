"""A wall-clock limit for a whole training run (`lbrec train --time-budget MINUTES`): a predictable run on a CPU.

Training stops where the rest would not fit: before a batch that would end after the deadline, which is the end of
the budget less a reserve for the last validation and the final evaluation. The reserve is measured, not guessed:
one validation of the model as it starts, scaled to the users that the final evaluation ranks on both splits.
The best validated weights so far are kept, as early stopping keeps them, and config.json records that the budget
ended the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

clock = time.perf_counter  # the budget's one clock (the tests put a clock of their own here)


@dataclass
class Budget:
    ends_at: float  # clock() by which the run, final evaluation and files included, is done
    reserve: float = 0.0  # seconds kept for the last validation and the final evaluation
    batches: int = 0  # batches timed so far, and their seconds: the estimate of the next one
    batch_seconds: float = 0.0

    @classmethod
    def minutes(cls, minutes: float) -> Budget:
        if minutes <= 0:
            raise ValueError(f"the time budget must be a positive number of minutes, not {minutes:g}")
        return cls(clock() + minutes * 60)

    @staticmethod
    def now() -> float:
        return clock()

    def left(self) -> float:
        """Seconds until the end of the budget."""
        return self.ends_at - clock()

    def keep_for_evaluation(self, validation_seconds: float, final_users: int, validation_users: int) -> None:
        """Reserve one more validation and the final evaluation (both splits), at the measured rate per user."""
        self.reserve = validation_seconds * (1 + 2 * final_users / max(validation_users, 1))

    def timed(self, seconds: float) -> None:
        self.batches += 1
        self.batch_seconds += seconds

    def room_for_a_batch(self) -> bool:
        """Whether one more batch (the mean so far; none timed yet: assume it fits) ends before the deadline."""
        mean = self.batch_seconds / self.batches if self.batches else 0.0
        return clock() + mean <= self.ends_at - self.reserve
