"""tools/benchmarks/step_measure.py: a step's own peak memory on the CPU (resident set)."""
import pytest
import torch

MIB = 2**20


@pytest.fixture(scope='module')
def step_measure(load_tool):
    return load_tool('benchmarks/step_measure.py')


@pytest.mark.parametrize('held_before_mib', [0, 256])
def test_the_peak_is_what_the_step_adds(step_measure, held_before_mib):
    """A step that allocates 64 MiB (and frees it) peaks at 64 MiB above its start, whatever
    the process held before it; the process's high-water mark before does not count."""
    high_water = torch.ones(512 * MIB // 4)  # a higher peak before the step
    del high_water
    held = torch.ones(held_before_mib * MIB // 4)
    cost = step_measure.measure_step(lambda: torch.ones(64 * MIB // 4).sum(), 'cpu')
    assert abs(cost['peak_mib'] - 64) < 8, cost  # pages of the interpreter come and go
    assert cost['wall_s'] > 0 and held.numel() == held_before_mib * MIB // 4


def test_a_step_that_allocates_nothing_peaks_near_zero(step_measure):
    data = torch.ones(128 * MIB // 4)
    cost = step_measure.measure_step(lambda: data.mul_(2), 'cpu')
    assert cost['peak_mib'] < 16, cost
