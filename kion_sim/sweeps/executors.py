"""Where sweep points run: in this process, in local processes, or on a Dask cluster.

Each executor takes (index, point) pairs and yields finished records as they complete; the
worker keeps one evaluator per sweep, so built simulations are reused across its points.
"""

from __future__ import annotations

import importlib
import socket
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

from kion_sim.errors import InvalidInputError
from kion_sim.sweeps.checkpoint import fingerprint
from kion_sim.sweeps.evaluate import PointEvaluator, failed_outputs
from kion_sim.sweeps.spec import SweepSpec

_EVALUATORS: dict[str, PointEvaluator] = {}  # per worker process: one per sweep
DASK_CONNECT_TIMEOUT_S = 10.0


def named_evaluator(name: str):
    """The function a sweep's ``evaluator`` names ("package.module:function")."""
    module, _, function = name.partition(":")
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as error:
        raise InvalidInputError(f"sweep evaluator {name!r} cannot be found ({error}); give "
                                f"'package.module:function'") from None


def evaluate_record(spec: SweepSpec, index: int, point: dict, reuse: bool = True) -> dict:
    """Run one point; a failure is recorded with its message, never raised."""
    if spec.evaluator:
        function = named_evaluator(spec.evaluator)
        evaluate = lambda p: function(p, spec.evaluator_options)  # noqa: E731
    else:
        key = f"{fingerprint(spec)}-{reuse}"
        if key not in _EVALUATORS:
            _EVALUATORS[key] = PointEvaluator(spec, reuse=reuse)
        evaluate = _EVALUATORS[key]
    started = time.perf_counter()
    try:
        outputs, error = evaluate(point), None
    except Exception as failure:  # a failed point is a result: record it and go on
        outputs, error = failed_outputs(spec), f"{type(failure).__name__}: {failure}"
    return {"index": index, "point": point, "outputs": outputs, "error": error,
            "seconds": time.perf_counter() - started}


def run_serial(spec: SweepSpec, items: Iterable[tuple[int, dict]],
               reuse: bool = True) -> Iterator[dict]:
    for index, point in items:
        yield evaluate_record(spec, index, point, reuse)


def run_local_processes(spec: SweepSpec, items: Iterable[tuple[int, dict]], workers: int,
                        reuse: bool = True) -> Iterator[dict]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(evaluate_record, spec, index, point, reuse)
                   for index, point in items]
        for future in as_completed(futures):
            yield future.result()


_ADDRESS_EXAMPLE = "give the address 'dask scheduler' prints, e.g. tcp://host:8786"


def check_scheduler_address(address: str, timeout_s: float = DASK_CONNECT_TIMEOUT_S) -> None:
    """Raise :class:`InvalidInputError` unless ``address`` is well formed and answers.

    A plain socket probe: a ``distributed.Client`` that fails to connect leaves a traceback
    behind at interpreter exit.
    """
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    try:
        scheme, location = parse_address(str(address))
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r}; known: {', '.join(sorted(backends))}")
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as error:
        raise InvalidInputError(f"Dask scheduler address {address!r} is not valid: {error}; "
                                f"{_ADDRESS_EXAMPLE}") from None
    if scheme in ("tcp", "tls"):
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
        except (OSError, OverflowError) as error:
            reason = getattr(error, "strerror", None) or error
            raise InvalidInputError(f"cannot reach the Dask scheduler at {address!r}: {reason}; "
                                    f"is it running? {_ADDRESS_EXAMPLE}") from None


def connect_dask(scheduler, timeout_s: float = DASK_CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` for ``scheduler`` (an address such as ``tcp://host:8786``).

    Raises :class:`InvalidInputError` for an address that is malformed or does not answer.
    """
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    check_scheduler_address(scheduler, timeout_s)
    try:
        return Client(scheduler, timeout=f"{timeout_s}s")
    except (OSError, ValueError, TimeoutError) as error:
        raise InvalidInputError(f"cannot connect to the Dask scheduler at {scheduler!r}: "
                                f"{error}; {_ADDRESS_EXAMPLE}") from None


def run_dask(spec: SweepSpec, items: Iterable[tuple[int, dict]], scheduler,
             reuse: bool = True) -> Iterator[dict]:
    """``scheduler``: an address (``tcp://host:8786``) or a ``distributed.Client``."""
    from distributed import as_completed as dask_as_completed

    client = connect_dask(scheduler)
    try:
        futures = [client.submit(evaluate_record, spec, index, point, reuse, pure=False)
                   for index, point in items]
        for future in dask_as_completed(futures):
            yield future.result()
    finally:
        if client is not scheduler:
            client.close()
