"""The dramatiq side of asynchronous requests: the broker, the actors, the embedded workers.

With no broker URL the broker lives in the server process (dramatiq's ``StubBroker``)
and worker threads started on the first job run the actors; with ``redis://`` or
``amqp://`` the server only enqueues and ``odata-server worker`` processes run them.
The job's state is in the SQL job table either way, so a lost message is sent again:
at the next start with the embedded queue, and by the sweep of every API process
(:mod:`odata_server.jobs.sweep`) in both modes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker

from odata_server.jobs.callback import send_callback
from odata_server.jobs.runner import JobRunner

QUEUE = "odata"
# dramatiq's own time limit would kill the thread without recording the outcome;
# the runner enforces the service's limit itself and records a 504.
_NO_DRAMATIQ_TIME_LIMIT = 10 * 24 * 3600 * 1000


#: Query parameters of a redis:// broker URL that tune dramatiq rather than Redis: how
#: long (ms) a silent worker process counts as alive, and how many commands in a
#: million look for the messages of dead ones to deliver them again.
_REDIS_BROKER_OPTIONS = ("heartbeat_timeout", "maintenance_chance")


def create_broker(url: str | None) -> dramatiq.Broker:
    """A broker for ``url``: embedded (None), Redis (``redis://``) or RabbitMQ (``amqp://``).

    ``redis://host:6379/0?heartbeat_timeout=5000`` sets dramatiq's Redis broker options.
    """
    if url is None:
        broker: dramatiq.Broker = StubBroker()
    elif url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        parts = urlsplit(url)
        query = parse_qsl(parts.query)
        options = {name: int(value) for name, value in query if name in _REDIS_BROKER_OPTIONS}
        rest = urlencode([(name, value) for name, value in query if name not in _REDIS_BROKER_OPTIONS])
        broker = RedisBroker(url=urlunsplit(parts._replace(query=rest)), **options)
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError(f"ODATA_BROKER_URL must be a redis:// or amqp:// URL, not {url!r}")
    return broker


class _EventLoopThread:
    """An event loop in a thread of its own, where the jobs of one queue run.

    dramatiq's AsyncIO middleware keeps one loop for the whole process; a loop per
    queue lets two services (or two test apps) run jobs in one process.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="odata-jobs", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class JobQueue:
    """The actors of one service on one broker.

    Args:
        broker: from :func:`create_broker`.
        make_runner: builds the :class:`JobRunner` inside the worker's event loop
            (the first time a job runs there), so its database connections belong to it.
        callback_allow: hosts and networks callbacks may reach although internal.
        worker_threads: threads of the embedded worker.
    """

    def __init__(
        self,
        broker: dramatiq.Broker,
        make_runner: Callable[[JobQueue], JobRunner],
        callback_allow: tuple[str, ...],
        worker_threads: int,
    ) -> None:
        self.broker = broker
        self.embedded = isinstance(broker, StubBroker)
        self._make_runner = make_runner
        self._runner: JobRunner | None = None
        self._callback_allow = callback_allow
        self._worker_threads = worker_threads
        self._worker: dramatiq.Worker | None = None
        self._loop: _EventLoopThread | None = None
        self._lock = threading.Lock()
        self.run_request = dramatiq.actor(
            self._run_request,
            broker=broker,
            actor_name="odata_run_request",
            queue_name=QUEUE,
            max_retries=0,  # a request may write: never run it twice on a failure
            time_limit=_NO_DRAMATIQ_TIME_LIMIT,
        )
        self.callback = dramatiq.actor(
            self._send_callback,
            broker=broker,
            actor_name="odata_callback",
            queue_name=QUEUE,
            max_retries=8,
            min_backoff=1_000,
            max_backoff=300_000,
        )

    def _run_request(self, job_id: str) -> None:
        self._event_loop().run(self._run(job_id))

    async def _run(self, job_id: str) -> None:
        if self._runner is None:
            self._runner = self._make_runner(self)
        await self._runner.run(job_id)

    def _send_callback(self, job_id: str, url: str) -> None:
        self._event_loop().run(send_callback(url, self._callback_allow))

    def _event_loop(self) -> _EventLoopThread:
        with self._lock:
            if self._loop is None:
                self._loop = _EventLoopThread()
            return self._loop

    def enqueue(self, job_id: str) -> None:
        if self.embedded:
            self.start_workers()
        self.run_request.send(job_id)

    def notify(self, job_id: str, url: str) -> None:
        """Send the callback from its own actor: a slow or failing callback never delays a job."""
        self.callback.send(job_id, url)

    def start_workers(self, threads: int | None = None) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = dramatiq.Worker(
                    self.broker, queues={QUEUE}, worker_threads=threads or self._worker_threads, worker_timeout=100
                )
                self._worker.start()

    def stop(self) -> None:
        """Stop the workers, close the runner's connections in its loop, stop the loop and the broker."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            if self._runner is not None:
                loop.run(self._runner.close())
                self._runner = None
            loop.stop()
        self.broker.close()


__all__ = ["QUEUE", "JobQueue", "create_broker"]
