"""What can stop a file download, split into "try again" and "tell the user".

```
DownloadError                      (expected; .message is for the user)
├── RetryableDownloadError         (network cut, stall, 5xx, short body: retried with backoff)
│   ├── ServerBusy                 (429 or 503: back off, for its Retry-After if it sent one)
│   └── DownloadTimedOut           (no answer or no byte in time: back off too)
├── LinkExpired                    (403 from the file host: ask sync_files for a fresh URL)
├── FileChangedOnServer            (another version is served: sync the catalogue again)
├── FileGone                       (404/410: the server no longer has the file)
├── VerificationFailed             (wrong size or not a readable GeoTIFF)
├── DiskFull                       (no space left on the library's disk: stop everything)
└── BudgetExceeded                 (the pinned imagery does not fit the disk budget)
```
Anything else raised while downloading is a bug and reaches the crash handler.
"""

from __future__ import annotations


class DownloadError(Exception):
    retryable = False

    @property
    def message(self) -> str:
        return str(self)


class RetryableDownloadError(DownloadError):
    retryable = True


class ServerBusy(RetryableDownloadError):
    """The file host said "not now" (429, 503); `retry_after` is its Retry-After, if any."""

    def __init__(self, message: str, *, status: int, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class DownloadTimedOut(RetryableDownloadError):
    pass


class LinkExpired(DownloadError):
    pass


class FileChangedOnServer(DownloadError):
    pass


class FileGone(DownloadError):
    pass


class VerificationFailed(DownloadError):
    pass


class DiskFull(DownloadError):
    pass


class BudgetExceeded(DownloadError):
    pass
