"""FieldAgent API access: the GraphQL client, token providers and the error tree.

No Qt and no database here; the sync engine drives the client from worker threads.
"""

from app.api.auth import (
    OAuthTokens,
    RefreshingTokenProvider,
    StaticTokenProvider,
    TokenProvider,
)
from app.api.client import FieldAgentClient
from app.api.errors import (
    ApiError,
    AuthError,
    GraphQLError,
    InvalidServerUrl,
    NetworkError,
    ProtocolError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    ServerError,
    SignedOut,
    TLSError,
)

__all__ = [
    "ApiError",
    "AuthError",
    "FieldAgentClient",
    "GraphQLError",
    "InvalidServerUrl",
    "NetworkError",
    "OAuthTokens",
    "ProtocolError",
    "RateLimited",
    "RefreshingTokenProvider",
    "RequestRejected",
    "RequestTimeout",
    "ServerError",
    "SignedOut",
    "StaticTokenProvider",
    "TLSError",
    "TokenProvider",
]
