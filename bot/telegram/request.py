"""python-telegram-bot's network layer on aiohttp, which costs far less CPU per request than httpx.

PTB calls `do_request` for every Bot API method; everything above it (serialisation, errors, the rate
limiter) stays python-telegram-bot's own.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

USER_AGENT = "fraudbot (python-telegram-bot, aiohttp)"


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool."""

    def __init__(self, connection_pool_size: int = 8, *, connect_timeout: float = 10.0, read_timeout: float = 10.0,
                 write_timeout: float = 10.0, media_write_timeout: float = 30.0) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @staticmethod
    def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
        if request_data is None:
            return None
        if not request_data.contains_files:
            return request_data.json_parameters
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (file_name, content, mime_type) in request_data.multipart_data.items():
            form.add_field(name, content, filename=file_name, content_type=mime_type)
        return form

    def _timeout(self, read: object, write: object, connect: object, has_files: bool) -> aiohttp.ClientTimeout:
        def pick(value: object, default: float) -> float | None:
            return default if isinstance(value, DefaultValue) else value  # type: ignore[return-value]

        read_s = pick(read, self._read_timeout)
        write_s = pick(write, self._media_write_timeout if has_files else self._write_timeout)
        return aiohttp.ClientTimeout(total=None, connect=pick(connect, self._connect_timeout),
                                     sock_read=max(filter(None, (read_s, write_s)), default=None))

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        has_files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, has_files)
        try:
            async with self._session.request(method, url, data=self._body(request_data), timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
