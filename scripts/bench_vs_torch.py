#!/usr/bin/env python3
"""The CycleGAN training step in ganc and in PyTorch, side by side.

usage: scripts/bench_vs_torch.py [--ganc bin/ganc] [--device cpu|cuda] [--size 128] [--blocks 6] [--ngf 32]
                                 [--ndf 64] [--batch 1] [--iters 20] [--rounds 3] [--threads N] [--tf32]
                                 [--no-compile] [--no-infer] [--check-only] [--tol 1e-4] [--json FILE]

1. `ganc bench train --dump-init DIR` writes ganc's initial weights (under
   PyTorch's state_dict names) and the inputs real_A, real_B.
2. The same networks are built here in PyTorch (ResnetGenerator and
   NLayerDiscriminator of pytorch-CycleGAN-and-pix2pix, written out from the
   architecture) and load those weights with strict=True.
3. One training step as the reference (and ganc's recipe) runs it: G_A, G_B
   forward (fake, rec, idt), G loss = LSGAN(D_A(fake_B)) + LSGAN(D_B(fake_A))
   + 10 cycle L1 + 5 identity L1 with D frozen, Adam step on G_A, G_B; then
   D_A on (real_B, fake_B.detach()) and D_B on (real_A, fake_A.detach()),
   loss 0.5 (MSE(D(real), 1) + MSE(D(fake), 0)), Adam steps. No image pool.
4. The losses of the first step must agree with ganc's within --tol
   (relative), and those of the second step (after one Adam update) within
   --tol2: both sides run the same computation.
5. Timing rounds alternate: a ganc process for --iters steps, then PyTorch
   eager for --iters steps, then torch.compile (when it compiles), so load
   changes on a shared machine hit every side alike. Medians over all
   rounds. Generator inference (eval, no grad) is timed the same way.

Exit status: 0 when the losses agree (whatever the speed), 1 when they do
not, 77 when PyTorch or the requested device is missing (a clean skip).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

SKIP = 77


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ganc", default="bin/ganc")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--ngf", type=int, default=32)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20, help="timed steps per round and side")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads on both sides")
    ap.add_argument("--tf32", action="store_true", help="TF32 on both sides (CUDA); off by default")
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    ap.add_argument("--no-infer", action="store_true", help="skip generator inference")
    ap.add_argument("--check-only", action="store_true", help="only the loss agreement, no timing")
    ap.add_argument("--tol", type=float, help="relative tolerance, first step's losses (1e-4; 1e-2 with --tf32)")
    ap.add_argument("--tol2", type=float, help="relative tolerance, second step's losses (5e-3; 5e-2 with --tf32)")
    ap.add_argument("--keep-blas-env", action="store_true",
                    help="pass OPENBLAS_CORETYPE on to ganc as it is (by default a value that forces narrower "
                         "kernels than the CPU has is dropped, so OpenBLAS picks by itself, as MKL does for torch)")
    ap.add_argument("--json", help="write the results here")
    return ap.parse_args()


def build_models(nn, a):
    """ResnetGenerator and NLayerDiscriminator (instance norm, no affine, conv bias on), module for module."""

    def norm(c):
        return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)

    class ResnetBlock(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.conv_block = nn.Sequential(
                nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), norm(dim), nn.ReLU(True),
                nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), norm(dim))

        def forward(self, x):
            return x + self.conv_block(x)

    class ResnetGenerator(nn.Module):
        def __init__(self, ngf, n_blocks):
            super().__init__()
            layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7, bias=True), norm(ngf), nn.ReLU(True)]
            for mult in (1, 2):
                layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=True),
                           norm(ngf * mult * 2), nn.ReLU(True)]
            layers += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
            for mult in (4, 2):
                layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1,
                                              bias=True), norm(ngf * mult // 2), nn.ReLU(True)]
            layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
            self.model = nn.Sequential(*layers)

        def forward(self, x):
            return self.model(x)

    class NLayerDiscriminator(nn.Module):
        def __init__(self, ndf, n_layers=3):
            super().__init__()
            seq = [nn.Conv2d(3, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
            mult = 1
            for n in range(1, n_layers + 1):
                prev, mult = mult, min(2 ** n, 8)
                seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2 if n < n_layers else 1, padding=1, bias=True),
                        norm(ndf * mult), nn.LeakyReLU(0.2, True)]
            seq += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
            self.model = nn.Sequential(*seq)

        def forward(self, x):
            return self.model(x)

    return ResnetGenerator(a.ngf, a.blocks), NLayerDiscriminator(a.ndf)


class TorchCycleGAN:
    """The four networks, their Adam optimizers and one training step."""

    def __init__(self, torch, nn, a, init_dir, dev):
        from safetensors.torch import load_file
        self.torch, self.dev = torch, dev
        self.nets = {}
        for name in ("G_A", "G_B", "D_A", "D_B"):
            g, d = build_models(nn, a)
            net = g if name[0] == "G" else d
            net.load_state_dict(load_file(os.path.join(init_dir, name + ".safetensors")), strict=True)
            self.nets[name] = net.to(dev).train()
        inputs = load_file(os.path.join(init_dir, "inputs.safetensors"))
        # Host copies: every step moves its batch to the device, as a data loader's batch would be.
        self.host_A, self.host_B = inputs["real_A"], inputs["real_B"]
        adam = dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
        self.opt_G = torch.optim.Adam(list(self.nets["G_A"].parameters()) + list(self.nets["G_B"].parameters()), **adam)
        self.opt_D = torch.optim.Adam(list(self.nets["D_A"].parameters()) + list(self.nets["D_B"].parameters()), **adam)
        self.forward = dict(self.nets)  # replaced by compiled modules in compile()

    def compile(self):
        self.forward = {name: self.torch.compile(net) for name, net in self.nets.items()}

    def _requires_grad(self, names, on):
        for n in names:
            for p in self.nets[n].parameters():
                p.requires_grad_(on)

    def step(self):
        """One CycleGAN step; returns the losses as tensors, in ganc's metric order."""
        torch, f = self.torch, self.forward
        real_A = self.host_A.to(self.dev)
        real_B = self.host_B.to(self.dev)
        mse = torch.nn.functional.mse_loss
        l1 = torch.nn.functional.l1_loss
        fake_B = f["G_A"](real_A)
        rec_A = f["G_B"](fake_B)
        fake_A = f["G_B"](real_B)
        rec_B = f["G_A"](fake_A)
        idt_A = f["G_A"](real_B)
        idt_B = f["G_B"](real_A)
        self._requires_grad(("D_A", "D_B"), False)
        self.opt_G.zero_grad(set_to_none=True)
        pa = f["D_A"](fake_B)
        pb = f["D_B"](fake_A)
        gan_A = mse(pa, torch.ones_like(pa))
        gan_B = mse(pb, torch.ones_like(pb))
        cycle = l1(rec_A, real_A) + l1(rec_B, real_B)
        identity = l1(idt_A, real_B) + l1(idt_B, real_A)
        (gan_A + gan_B + 10 * cycle + 5 * identity).backward()
        self.opt_G.step()
        self._requires_grad(("D_A", "D_B"), True)
        self.opt_D.zero_grad(set_to_none=True)
        d_losses = []
        for d, real, fake in (("D_A", real_B, fake_B), ("D_B", real_A, fake_A)):
            pr, pf = f[d](real), f[d](fake.detach())
            loss = 0.5 * (mse(pr, torch.ones_like(pr)) + mse(pf, torch.zeros_like(pf)))
            loss.backward()
            d_losses.append(loss)
        self.opt_D.step()
        return {"G_A": gan_A, "G_B": gan_B, "cycle": cycle, "identity": identity, "D_A": d_losses[0],
                "D_B": d_losses[1]}

    def sync(self):
        if self.dev.type == "cuda":
            self.torch.cuda.synchronize()

    def timed_steps(self, n, cpu=None):
        """Wall seconds per step; CPU seconds of the process per step appended to cpu."""
        times = []
        for _ in range(n):
            start, cpu_start = time.perf_counter(), cpu_seconds()
            self.step()
            self.sync()
            times.append(time.perf_counter() - start)
            if cpu is not None:
                cpu.append(cpu_seconds() - cpu_start)
        return times

    def timed_infer(self, n):
        g = self.forward["G_A"]
        self.nets["G_A"].eval()
        x = self.host_A.to(self.dev)
        times, out = [], None
        with self.torch.no_grad():
            for _ in range(n):
                self.sync()
                start = time.perf_counter()
                out = g(x)
                self.sync()
                times.append(time.perf_counter() - start)
        self.nets["G_A"].train()
        return times, float(out.double().mean())


def run_ganc(a, what, extra, env):
    cmd = [a.ganc, "bench", what, "--device", a.device, "--size", str(a.size), "--blocks", str(a.blocks),
           "--ngf", str(a.ngf), "--ndf", str(a.ndf), "--batch", str(a.batch), "--json"] + extra
    if a.tf32:
        cmd.append("--tf32")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"bench_vs_torch: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def compare_losses(label, ganc, torch_losses, tol):
    ok = True
    print(f"{label} (relative tolerance {tol:g}):")
    for name, want in ganc.items():
        got = torch_losses.get(name)
        rel = abs(got - want) / max(abs(want), 1e-12) if got is not None else float("inf")
        ok &= rel <= tol
        print(f"  {name:9s} ganc {want:.7g}  torch {got if got is None else format(got, '.7g')}  rel {rel:.2e}"
              f"{'' if rel <= tol else '  MISMATCH'}")
    return ok


def stats(times):
    ms = [1e3 * t for t in times]
    return {"ms_median": statistics.median(ms), "ms_min": min(ms), "n": len(ms)}


def peak_rss_bytes():
    """VmHWM: this process's own peak (ru_maxrss would include a parent's peak carried across exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_seconds():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def main():
    a = parse_args()
    # TF32 rounds products to 10 mantissa bits (about 1e-3 relative): the two sides then agree only that far.
    a.tol = a.tol if a.tol is not None else (1e-2 if a.tf32 else 1e-4)
    a.tol2 = a.tol2 if a.tol2 is not None else (5e-2 if a.tf32 else 5e-3)
    # Before torch loads: its OpenMP runtime reads these once. PASSIVE: idle threads sleep instead of spinning,
    # which on a shared machine would steal the other side's cores (and inflate CPU time).
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env = dict(os.environ)
    if not a.keep_blas_env and env.get("OPENBLAS_CORETYPE", "").lower() in ("haswell", "sandybridge", "nehalem",
                                                                             "prescott", "core2"):
        print(f"note: OPENBLAS_CORETYPE={env.pop('OPENBLAS_CORETYPE')} dropped for ganc: OpenBLAS picks the CPU's "
              f"own kernels, as MKL/oneDNN do for torch (--keep-blas-env keeps it)")
    try:
        import torch
        from torch import nn
        import safetensors  # noqa: F401
    except ImportError as e:
        print(f"SKIP bench_vs_torch: {e} (pip install torch safetensors)")
        return SKIP
    if a.device == "cuda" and not torch.cuda.is_available():
        print("SKIP bench_vs_torch: --device cuda but torch sees no GPU")
        return SKIP
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # TF32 (CUDA): stated and matched on both sides; off by default so the losses agree to float32 rounding.
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cudnn.benchmark = a.device == "cuda"
    dev = torch.device(a.device)

    with tempfile.TemporaryDirectory(prefix="ganc_bench_") as tmp:
        first = run_ganc(a, "train", ["--iters", "2", "--warmup", "0", "--dump-init", tmp], env)
        model = TorchCycleGAN(torch, nn, a, tmp, dev)
        inputs = os.path.join(tmp, "inputs.safetensors")
        l1 = {k: v.item() for k, v in model.step().items()}
        l2 = {k: v.item() for k, v in model.step().items()}
        ok = compare_losses("step 1 losses", first["losses"], l1, a.tol)
        ok &= compare_losses("step 2 losses (after one Adam update)", first["losses_2"], l2, a.tol2)
        if a.check_only:
            return 0 if ok else 1

        sides = {"ganc": [], "torch": []}
        cpu = {"ganc": [], "torch": []}
        infer = {"ganc": [], "torch": []}
        mem = {}
        compiled = None
        if not a.no_compile:
            try:
                compiled = TorchCycleGAN(torch, nn, a, tmp, dev)
                compiled.compile()
                t0 = time.perf_counter()
                compiled.timed_steps(a.warmup)
                print(f"torch.compile: compiled in {time.perf_counter() - t0:.1f} s")
                sides["torch.compile"] = []
                cpu["torch.compile"] = []
                infer["torch.compile"] = []
            except Exception as e:  # any failure of the compiler stack: that side is skipped, not the run
                print(f"torch.compile: skipped ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
                compiled = None
        model.timed_steps(a.warmup)
        # Inference runs the initial weights, as `ganc bench infer` does (the models above train as they are timed).
        fresh = TorchCycleGAN(torch, nn, a, tmp, dev)
        if compiled:
            fresh_compiled = TorchCycleGAN(torch, nn, a, tmp, dev)
            fresh_compiled.compile()
        gextra = ["--iters", str(a.iters), "--warmup", str(a.warmup), "--inputs", inputs]
        for r in range(a.rounds):
            g = run_ganc(a, "train", gextra, env)
            sides["ganc"] += [t / 1e3 for t in g["times_ms"]]
            cpu["ganc"] += [t / 1e3 for t in g["cpu_ms"]]
            mem["ganc"] = g
            sides["torch"] += model.timed_steps(a.iters, cpu["torch"])
            if compiled:
                sides["torch.compile"] += compiled.timed_steps(a.iters, cpu["torch.compile"])
            if not a.no_infer:
                gi = run_ganc(a, "infer", gextra, env)
                infer["ganc"] += [t / 1e3 for t in gi["times_ms"]]
                times, mean = fresh.timed_infer(a.iters + a.warmup)
                infer["torch"] += times[a.warmup:]
                if abs(mean - gi["output_mean"]) > (1e-2 if a.tf32 else 1e-4):
                    print(f"  inference output means differ: ganc {gi['output_mean']:.7g} torch {mean:.7g}")
                    ok = False
                if compiled:
                    times, _ = fresh_compiled.timed_infer(a.iters + a.warmup)
                    infer["torch.compile"] += times[a.warmup:]
            print(f"round {r + 1}/{a.rounds}: ganc {1e3 * statistics.median(sides['ganc']):.1f} ms, "
                  f"torch {1e3 * statistics.median(sides['torch']):.1f} ms (medians so far)", flush=True)
        torch_rss = peak_rss_bytes()
        torch_dev_peak = torch.cuda.max_memory_allocated() if a.device == "cuda" else 0

    base = statistics.median(sides["ganc"])
    load = os.getloadavg()
    print(f"\nCycleGAN training step, {a.device}, {a.size}x{a.size}, batch {a.batch}, ResNet-{a.blocks} ngf {a.ngf}, "
          f"PatchGAN ndf {a.ndf}, {a.threads} threads, TF32 {'on' if a.tf32 else 'off'}; "
          f"{a.rounds} rounds x {a.iters} steps per side; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"OpenBLAS kernels in ganc: {mem['ganc']['blas']}; CPU convolutions: {mem['ganc'].get('cpu_conv', 'unknown')}")
    print(f"{'side':15s} {'ms/iter':>9s} {'min':>9s} {'images/s':>9s} {'ganc speed-up':>14s} {'CPU ms/iter':>12s} "
          f"{'CPU-time ratio':>15s}")
    results = {"config": vars(a), "load": load, "train": {}, "infer": {}}
    cbase = statistics.median(cpu["ganc"])
    for side, times in sides.items():
        s = stats(times)
        s["cpu_ms_median"] = 1e3 * statistics.median(cpu[side])
        results["train"][side] = s
        print(f"{side:15s} {s['ms_median']:9.2f} {s['ms_min']:9.2f} {a.batch * 1e3 / s['ms_median']:9.2f} "
              f"{statistics.median(times) / base:13.2f}x {s['cpu_ms_median']:12.1f} "
              f"{statistics.median(cpu[side]) / cbase:14.2f}x")
    if not a.no_infer:
        print(f"\ngenerator inference (G_A, eval, no grad), {a.size}x{a.size}, batch {a.batch}")
        ibase = statistics.median(infer["ganc"])
        for side, times in infer.items():
            s = stats(times)
            results["infer"][side] = s
            print(f"{side:15s} {s['ms_median']:9.2f} {s['ms_min']:9.2f} {a.batch * 1e3 / s['ms_median']:9.2f} "
                  f"{statistics.median(times) / ibase:13.2f}x")
    g = mem["ganc"]
    mib = 1 / 1048576
    print(f"\npeak memory: ganc max RSS {g['max_rss_bytes'] * mib:.0f} MiB (step arena {g['arena_peak_bytes'] * mib:.0f} "
          f"MiB, parameters+gradients+Adam {g['state_bytes'] * mib:.0f} MiB); PyTorch process max RSS "
          f"{torch_rss * mib:.0f} MiB (includes the Python interpreter and torch's libraries)")
    if a.device == "cuda":
        print(f"device peak: ganc {g['device_peak_bytes'] * mib:.0f} MiB, torch max_memory_allocated "
              f"{torch_dev_peak * mib:.0f} MiB (ratio {g['device_peak_bytes'] / max(torch_dev_peak, 1):.2f})")
    results["memory"] = {"ganc": {k: g[k] for k in ("max_rss_bytes", "arena_peak_bytes", "state_bytes",
                                                     "device_peak_bytes")},
                         "torch": {"max_rss_bytes": torch_rss, "device_peak_bytes": torch_dev_peak}}
    results["losses_agree"] = ok
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    print(f"\nlosses {'agree' if ok else 'DO NOT agree'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
