"""Live mode: the account changes by itself every few seconds, as a busy one does.

Each step is what a real account sees between two syncs: a new survey arrives with a
handful of mosaics, an existing mosaic is re-processed (new version, new hash), and one
mosaic is deleted. It runs on its own daemon thread and goes through the dataset's
public, thread-safe API like any test would.
"""

from __future__ import annotations

import logging
import random
import threading

from app.simulator.dataset import Dataset

log = logging.getLogger(__name__)


def live_step(dataset: Dataset, rng: random.Random) -> list[str]:
    """Apply one round of changes; returns a line per change, for logs and tests."""
    done: list[str] = []
    field_ids = dataset.field_ids()
    if field_ids:
        field_id = rng.choice(field_ids)
        survey_id = dataset.add_survey(field_id, mosaics=rng.randint(3, 8))
        done.append(f"new survey {survey_id} in field {field_id}")
    survey_ids = [s for s in dataset.survey_ids() if dataset.mosaic_count(s) >= 2]
    if survey_ids:
        mosaics = dataset.mosaics_of(rng.choice(survey_ids))
        updated, deleted = rng.sample(mosaics, 2)
        dataset.update_mosaic(
            updated["sentera_id"],
            image_status="AVAILABLE",
            released=True,
            message="Reprocessed with updated calibration.",
        )
        done.append(f"re-processed mosaic {updated['sentera_id']}")
        dataset.delete_mosaic(deleted["sentera_id"])
        done.append(f"deleted mosaic {deleted['sentera_id']}")
    return done


class LiveChanges:
    """Runs `live_step` every `interval` seconds until stopped."""

    def __init__(self, dataset: Dataset, interval: float, seed: int) -> None:
        self._dataset = dataset
        self._interval = interval
        self._rng = random.Random(f"live/{seed}")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps = 0

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="simulator-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            for line in live_step(self._dataset, self._rng):
                log.info("live change: %s", line)
            self.steps += 1
