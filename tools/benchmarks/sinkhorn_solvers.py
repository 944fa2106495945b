"""Speed and accuracy of POT's Sinkhorn entry points on the problems coc.mixing solves.

    python tools/benchmarks/sinkhorn_solvers.py                 # CPU
    python tools/benchmarks/sinkhorn_solvers.py --device cuda

Two workloads: pairing (one [N, N] cosine cost between two batches of logits, N = 128 by
default) and AlignMixup (a batch of N problems between the 4 x 4 = 16 spatial vectors of
feature maps). Every solver runs a fixed number of iterations (tolerance 0) so that the
times compare like with like; "max |T - ref|" is against POT's numpy solver in float64
(``ot.sinkhorn(method='sinkhorn_log')``), "marginal err" is the largest violation of either
marginal, "finite" says whether the plan has no NaN/inf. Results go to
``<out-dir>/sinkhorn_solvers_<device>.{json,md}``.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import time
import warnings

import numpy as np
import ot
import ot.batch
import torch
import torch.nn.functional as F
from step_measure import synchronize


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--iters', type=int, default=100, help='Sinkhorn iterations per call')
    parser.add_argument('--eps', type=float, nargs='+', default=[0.1, 0.05, 0.01])
    parser.add_argument('--repeats', type=int, default=5, help='timed calls per solver')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out-dir', default=osp.join(osp.dirname(__file__), 'results'))
    return parser.parse_args(argv)


def pairing_solvers(iters):
    """Solvers of one [N, N] problem with uniform marginals, torch in / torch plan out."""
    return {
        'ot.bregman.sinkhorn_log': lambda c, e: ot.bregman.sinkhorn_log(
            uniform(c, 0), uniform(c, 1), c, e, numItermax=iters, stopThr=0, warn=False),
        'ot.solve (coc.mixing.sinkhorn_plan)': lambda c, e: ot.solve(
            c, reg=e, reg_type='entropy', max_iter=iters, tol=0, grad='detach').plan,
        'ot.batch.solve_batch log_sinkhorn': lambda c, e: ot.batch.solve_batch(
            c[None], e, max_iter=iters, tol=0, method='log_sinkhorn', grad='detach').plan[0],
        'ot.sinkhorn (plain domain)': lambda c, e: ot.sinkhorn(
            uniform(c, 0), uniform(c, 1), c, e, numItermax=iters, stopThr=0, warn=False),
    }


def batched_solvers(iters):
    """Solvers of a batch of [n, n] problems (AlignMixup)."""
    return {
        'loop of ot.solve': lambda c, e: torch.stack([ot.solve(
            m, reg=e, reg_type='entropy', max_iter=iters, tol=0, grad='detach').plan for m in c]),
        'ot.batch.solve_batch log_sinkhorn (coc.mixing.sinkhorn_plan)':
        lambda c, e: ot.batch.solve_batch(c, e, max_iter=iters, tol=0, method='log_sinkhorn',
                                          grad='detach').plan,
    }


def uniform(cost, dim):
    return torch.full((cost.shape[dim], ), 1.0 / cost.shape[dim], device=cost.device)


def reference(cost, eps, iters):
    cost = cost.double().cpu().numpy()
    return np.stack([ot.sinkhorn(np.full(c.shape[0], 1 / c.shape[0]), np.full(c.shape[1],
                                 1 / c.shape[1]), c, eps, method='sinkhorn_log',
                                 numItermax=iters, stopThr=0, warn=False)
                     for c in cost.reshape(-1, *cost.shape[-2:])]).reshape(cost.shape)


def measure(solver, cost, eps, args):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        plan = solver(cost, eps)  # warm-up
        times = []
        for _ in range(args.repeats):
            synchronize(cost.device)
            start = time.perf_counter()
            plan = solver(cost, eps)
            synchronize(cost.device)
            times.append(time.perf_counter() - start)
    plan = plan.double().cpu()
    n, m = cost.shape[-2:]
    marginal = max((plan.sum(-1) - 1 / n).abs().max().item(),
                   (plan.sum(-2) - 1 / m).abs().max().item())
    return dict(ms=1000 * statistics.median(times), ms_min=1000 * min(times),
                finite=bool(torch.isfinite(plan).all()), marginal_err=marginal,
                max_abs_diff=float(np.nanmax(np.abs(plan.numpy() - reference(cost, eps,
                                                                              args.iters)))))


def run(args):
    g = torch.Generator().manual_seed(0)
    size = args.batch_size
    logits = torch.randn(2, size, 100, generator=g)
    pair_cost = 1 - F.normalize(logits[0], dim=1) @ F.normalize(logits[1], dim=1).T
    maps = torch.randn(2, size, 16, 512, generator=g).relu()
    align_cost = torch.cdist(maps[0], maps[1])**2
    align_cost = align_cost / align_cost.mean()  # keeps eps on the scale of the pairing cost
    rows = []
    for workload, cost, solvers in (('pairing [N, N]', pair_cost, pairing_solvers(args.iters)),
                                    ('AlignMixup [N, 16, 16]', align_cost,
                                     batched_solvers(args.iters))):
        for eps in args.eps:
            for name, solver in solvers.items():
                result = measure(solver, cost.to(args.device), eps, args)
                rows.append(dict(workload=workload, solver=name, eps=eps, **result))
                print(rows[-1])
    return rows


def write(rows, args):
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f'sinkhorn_solvers_{args.device.split(":")[0]}')
    meta = dict(torch=torch.__version__, pot=ot.__version__, threads=torch.get_num_threads(),
                batch_size=args.batch_size, iters=args.iters, repeats=args.repeats)
    with open(stem + '.json', 'w') as f:
        json.dump(dict(meta=meta, rows=rows), f, indent=2)
    lines = [f'# Sinkhorn solvers ({args.device}, {args.iters} iterations, N={args.batch_size})',
             '', f'`{json.dumps(meta)}`', '',
             '| workload | solver | eps | ms (median) | ms (min) | finite | marginal err | '
             'max abs T - ref |', '|---|---|---|---|---|---|---|---|']
    lines += [f"| {r['workload']} | {r['solver']} | {r['eps']} | {r['ms']:.2f} | "
              f"{r['ms_min']:.2f} | {r['finite']} | "
              f"{r['marginal_err']:.1e} | {r['max_abs_diff']:.1e} |" for r in rows]
    with open(stem + '.md', 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'wrote {stem}.json and {stem}.md')


if __name__ == '__main__':
    arguments = parse_args()
    write(run(arguments), arguments)
