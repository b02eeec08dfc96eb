"""Bearer tokens of API clients (``sohoa client add``), each scoped to agency codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipeline.api.problems import Unauthorized
from storage.ingest import ClientRow

bearer = HTTPBearer(auto_error=False, description="Token printed by `sohoa client add`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def current_client(request: Request, credentials: Credentials) -> ClientRow:
    """The active client whose token the request bears; 401 otherwise."""
    client = request.app.state.api.ingest.client_by_token(credentials.credentials) \
        if credentials else None
    if client is None:
        raise Unauthorized()
    return client


Client = Annotated[ClientRow, Depends(current_client)]
