"""When and how long to wait before asking the server again.

Transient failures (network, timeouts, 5xx, 429) are retried with jittered exponential
backoff, or after the server's own `Retry-After` when a 429 or 5xx carries one; bounded
both in attempts and in total waiting time. Auth, GraphQL and protocol errors never
are — asking again would give the same answer. A request that used up its whole
deadline is asked again only `deadline_attempts` times in all: a server that dripped one
answer for the full deadline most likely will again, and each try costs a whole deadline
while the rest of the run waits for that scope.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.api.errors import ApiError, DeadlineExceeded, RetryLater

# A private generator: jitter must not disturb (or depend on) the global random state.
_jitter = random.Random()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total_delay: float = 120.0
    deadline_attempts: int = 2

    def delay_before(self, attempt: int, error: ApiError, waited: float) -> float | None:
        """Seconds to wait before attempt number `attempt + 1`, or None to give up.

        `attempt` counts the attempts made so far (1 after the first failure) and
        `waited` the seconds already spent waiting for this request.
        """
        if not error.retryable or attempt >= self.max_attempts:
            return None
        if isinstance(error, DeadlineExceeded) and attempt >= self.deadline_attempts:
            return None
        if isinstance(error, RetryLater) and error.retry_after is not None:
            delay = min(float(error.retry_after), self.max_delay)
        else:
            # "Full jitter": spreads the retries of concurrent scopes apart.
            delay = _jitter.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        if waited + delay > self.max_total_delay:
            return None
        return delay
