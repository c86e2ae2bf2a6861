"""Golden values of fastai 2's 1cycle, for the tests of the ``fastai2`` style (Fastai2GoldenTest).

Runs fastai's real ``Learner.fit_one_cycle(n_epoch, lr_max, div, div_final, pct_start, moms=(max, base, max),
start_epoch=k)`` (and, for linear annealing, ``Learner.fit`` with the same ``ParamScheduler`` of
``combine_scheds([pct, 1-pct], [SchedLin, SchedLin])`` that fit_one_cycle builds with SchedCos) on a tiny
model (one ``nn.Linear(1, 1)``, bs=1, exactly ``n_iter`` training items per epoch), with a callback that
records, before every training batch and after ``ParamScheduler`` has set them, the learner's ``pct_train`` and
the optimizer's ``lr`` and ``mom``. Whole cycles and ``start_epoch = k`` slices of them; the script also checks
that every slice equals the matching batches of its whole cycle (fastai's own divisibility).

Generated with fastai 2.8.12, torch 2.15.0+cu132 (PyPI's default build, run on the CPU), numpy 2.4.6,
Python 3.11.7, all from PyPI (the script prints the versions it ran with and writes them into the header of
cases.csv). About 6 minutes on 2 busy cores. To regenerate:

    python3 -m venv .venv-fastai && .venv-fastai/bin/pip install 'fastai==2.8.12'
    .venv-fastai/bin/python src/test/python/fastai2_golden.py src/test/resources/fastai2

Output (floats as Python's repr, which Java's Double.parseDouble reads back exactly):
    cases.csv  case,n_epoch,n_iter,lr_max,div,div_final,pct_start,mom_max,mom_base,anneal,start_epoch
    steps.csv  case,epoch,iter,pct_train,lr,mom      (one row per trained batch, in training order)
The Java tests read these files and need no Python.
"""
import csv
import os
import sys
import warnings

warnings.filterwarnings("ignore")

import fastai
import numpy as np
import torch
from fastai.callback.core import Callback
from fastai.callback.schedule import ParamScheduler, SchedLin, combine_scheds
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.losses import MSELossFlat
from torch import nn

torch.manual_seed(0)


class Record(Callback):
    """What the batch trains with: runs after ParamScheduler (order 60) has set the hyper-parameters."""
    order, run_valid = 61, False

    def __init__(self):
        self.rows = []

    def before_batch(self):
        h = self.opt.hypers[-1]
        self.rows.append((self.epoch, self.iter, float(self.pct_train), float(h['lr']), float(h['mom'])))


def learner(n_iter):
    x = torch.linspace(-1, 1, n_iter).unsqueeze(1)
    train = list(zip(x, 2 * x + 1))
    valid = train[:1]
    dls = DataLoaders.from_dsets(train, valid, bs=1, device='cpu')
    assert len(dls.train) == n_iter, (len(dls.train), n_iter)
    learn = Learner(dls, nn.Linear(1, 1), loss_func=MSELossFlat())
    return learn


def run(c, start_epoch):
    """The recorded rows of one fit of case c from start_epoch."""
    learn = learner(c['n_iter'])
    rec = Record()
    moms = (c['mom_max'], c['mom_base'], c['mom_max'])
    with learn.no_bar(), learn.no_logging():
        if c['anneal'] == 'cos':
            learn.fit_one_cycle(c['n_epoch'], c['lr_max'], div=c['div'], div_final=c['div_final'],
                                pct_start=c['pct_start'], moms=moms, cbs=rec, start_epoch=start_epoch)
        else:
            # fit_one_cycle's own steps, with SchedLin in place of SchedCos (combined_cos)
            learn.create_opt()
            learn.opt.set_hyper('lr', c['lr_max'])
            lr_max = np.array([h['lr'] for h in learn.opt.hypers])
            pct = c['pct_start']
            scheds = {'lr': combine_scheds([pct, 1 - pct], [SchedLin(lr_max / c['div'], lr_max),
                                                             SchedLin(lr_max, lr_max / c['div_final'])]),
                      'mom': combine_scheds([pct, 1 - pct], [SchedLin(moms[0], moms[1]),
                                                              SchedLin(moms[1], moms[2])])}
            learn.fit(c['n_epoch'], cbs=[ParamScheduler(scheds), rec], start_epoch=start_epoch)
    expected = (c['n_epoch'] - start_epoch) * c['n_iter']
    assert len(rec.rows) == expected, (c, start_epoch, len(rec.rows), expected)
    return rec.rows


def case(n_epoch, n_iter, lr_max=1e-2, div=25., div_final=1e5, pct_start=0.25, moms=(0.95, 0.85),
         anneal='cos', starts=None):
    c = dict(n_epoch=n_epoch, n_iter=n_iter, lr_max=lr_max, div=div, div_final=div_final, pct_start=pct_start,
             mom_max=moms[0], mom_base=moms[1], anneal=anneal)
    # slice edges: the first and last epochs, the epoch holding the peak, and one either side of it
    if starts is None:
        peak = int(pct_start * n_epoch)
        starts = sorted({1, n_epoch - 1, peak, peak + 1, max(1, peak - 1)} & set(range(1, n_epoch)))
    return c, starts


CASES = [
    # fastai 2's defaults; 1/(n_iter*n_epoch) inexact in binary (n_iter 3, 7, 13; n_epoch 3, 7)
    case(3, 3), case(3, 7), case(3, 13), case(7, 3), case(7, 7), case(7, 13),
    case(1, 13), case(1, 1), case(2, 1), case(5, 1), case(4, 8), case(10, 10), case(3, 97), case(6, 50),
    # other pct_start, including the ends and a phase boundary inside an epoch
    case(7, 13, pct_start=0.3), case(5, 11, pct_start=1 / 3), case(3, 7, pct_start=0.5),
    case(4, 9, pct_start=0.75), case(3, 13, pct_start=0.0), case(3, 13, pct_start=1.0),
    case(3, 5, pct_start=0.999999), case(6, 7, pct_start=0.1), case(2, 600, pct_start=0.37),
    # other lr_max, div, div_final, moms
    case(7, 3, lr_max=0.3, div=10., div_final=1e4, pct_start=0.4, moms=(0.9, 0.8)),
    case(5, 13, lr_max=3e-4, div=5., div_final=25e4, pct_start=0.2, moms=(0.99, 0.5)),
    case(3, 31, lr_max=1.7, div=2.5, div_final=7.0, pct_start=0.6, moms=(0.8, 0.95)),
    # linear annealing (ParamScheduler with SchedLin, as fit_one_cycle does with SchedCos)
    case(7, 13, anneal='lin'), case(3, 7, pct_start=0.3, lr_max=0.05, div=20., div_final=1e3,
                                    moms=(0.9, 0.85), anneal='lin'),
]

FIELDS = ['n_epoch', 'n_iter', 'lr_max', 'div', 'div_final', 'pct_start', 'mom_max', 'mom_base', 'anneal']


def main(out):
    os.makedirs(out, exist_ok=True)
    versions = 'fastai %s, torch %s, numpy %s, python %s' % (fastai.__version__, torch.__version__,
                                                             np.__version__, sys.version.split()[0])
    print(versions)
    cases, steps = [], []
    cid = 0
    for c, starts in CASES:
        whole = run(c, 0)
        for start in [0] + starts:
            rows = whole if start == 0 else run(c, start)
            if start:
                assert rows == whole[start * c['n_iter']:], ('slice differs from its whole cycle', c, start)
            cases.append([cid] + [c[f] for f in FIELDS] + [start])
            steps += [[cid] + list(r) for r in rows]
            cid += 1
    with open(os.path.join(out, 'cases.csv'), 'w', newline='') as f:
        f.write('# fastai 2 fit_one_cycle goldens, by src/test/python/fastai2_golden.py with %s\n' % versions)
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['case'] + FIELDS + ['start_epoch'])
        for r in cases:
            w.writerow([repr(v) if isinstance(v, float) else v for v in r])
    with open(os.path.join(out, 'steps.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['case', 'epoch', 'iter', 'pct_train', 'lr', 'mom'])
        for r in steps:
            w.writerow([repr(v) if isinstance(v, float) else v for v in r])
    print('%d cases, %d steps -> %s' % (len(cases), len(steps), out))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'src/test/resources/fastai2')
