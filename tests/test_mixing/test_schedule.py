import pytest

from coc.mixing import schedule as schedule_module
from coc.mixing.schedule import MixSchedule


def test_mixing_window_and_probability():
    schedule = MixSchedule(mix_prob=0.5, start_epoch=4, end_epochs=3)
    # CMO: start_data_aug (3) < epoch < epochs - end_data_aug, 0-based epochs.
    assert [e for e in range(200) if schedule.mix_probability(e, 200)] == list(range(4, 197))
    assert schedule.mix_probability(4, 200) == 0.5


def test_guidance_ramp():
    assert MixSchedule().guide_probability(0, 10) == 1.0
    ramp = MixSchedule(guide_power=2.0)
    assert ramp.guide_probability(0, 10) == 0.0
    assert ramp.guide_probability(5, 10) == pytest.approx(0.25)


def test_an_empty_window_is_reported_once(monkeypatch):
    logged = []
    monkeypatch.setattr(schedule_module, 'print_log', lambda msg, **kwargs: logged.append(msg))
    schedule = MixSchedule(mix_prob=0.5, start_epoch=4, end_epochs=3)
    # An iteration-based loop: max_epochs is 1, so CMO's window is empty.
    assert schedule.mix_probability(0, 1) == 0.0
    schedule.mix_probability(0, 1)
    assert len(logged) == 1 and 'no epoch mixes' in logged[0] and 'start_epoch=4' in logged[0]
    MixSchedule(mix_prob=0.0, start_epoch=4).mix_probability(0, 1)  # not mixing is the intent
    MixSchedule(mix_prob=0.5).mix_probability(0, 1)
    assert len(logged) == 1


@pytest.mark.parametrize('kwargs, match', [(dict(mix_prob=1.5), 'mix_prob'),
                                           (dict(start_epoch=-1), 'start_epoch'),
                                           (dict(guide_power=-1.0), 'guide_power')])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MixSchedule(**kwargs)


def test_guided_draw_once_per_epoch_as_otmix():
    """OTmix draws np.random.binomial(1, (epoch / E) ** u) once before each epoch: every step
    of an epoch takes its first step's draw; per step each draw stands."""
    per_epoch, per_step = MixSchedule(guide_per='epoch'), MixSchedule(guide_per='step')
    draws = {0: [False, True, True], 1: [True, False, False], 2: [False, False, True]}
    assert [[per_epoch.guided(e, d) for d in steps] for e, steps in draws.items()] == [
        [False] * 3, [True] * 3, [False] * 3]
    assert [[per_step.guided(e, d) for d in steps] for e, steps in draws.items()] == list(
        draws.values())
    with pytest.raises(ValueError, match="guide_per must be 'step' or 'epoch'"):
        MixSchedule(guide_per='batch')
