"""One benchmark step's cost on any device: wall and CPU time with the device synchronised, and
its own peak memory, i.e. the most allocated during the step above what was allocated just
before it (what the step adds, whatever the process held before).

GPU: ``torch.cuda.reset_peak_memory_stats`` + ``max_memory_allocated - memory_allocated``
before. CPU: the same on the resident set, whose high-water mark Linux resets when ``5`` is
written to ``/proc/self/clear_refs`` (proc(5)); glibc's free heap is handed back first
(``malloc_trim``) so that the baseline is what is live. ``tracemalloc`` does not see torch's
C++ allocations.
"""
import ctypes
import ctypes.util
import re
import time

import torch

_LIBC = ctypes.CDLL(ctypes.util.find_library('c'))


def synchronize(device) -> None:
    """Wait for ``device``'s queued kernels (any ``cuda:N``, not only the current GPU)."""
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def _status_kib(key: str) -> int:
    with open('/proc/self/status') as f:
        return int(re.search(rf'^{key}:\s+(\d+) kB', f.read(), re.M).group(1))


def _memory_before(device) -> int:
    """Bytes allocated now, with the peak counter reset to it."""
    if torch.device(device).type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
        return torch.cuda.memory_allocated(device)
    if hasattr(_LIBC, 'malloc_trim'):
        _LIBC.malloc_trim(0)
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    return _status_kib('VmRSS') * 1024


def _peak(device) -> int:
    if torch.device(device).type == 'cuda':
        return torch.cuda.max_memory_allocated(device)
    return _status_kib('VmHWM') * 1024


def time_step(step, device) -> dict:
    """Run ``step()`` once: ``wall_s`` and ``cpu_s`` (this process), nothing else touched."""
    synchronize(device)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    step()
    synchronize(device)
    return dict(wall_s=time.perf_counter() - start_wall, cpu_s=time.process_time() - start_cpu)


def measure_step(step, device) -> dict:
    """Run ``step()`` once: ``wall_s``, ``cpu_s`` (this process) and ``peak_mib``. On CPU the
    times include refaulting the heap that ``malloc_trim`` handed back: time with
    :func:`time_step` where that matters."""
    before = _memory_before(device)
    result = time_step(step, device)
    return dict(result, peak_mib=(_peak(device) - before) / 2**20)
