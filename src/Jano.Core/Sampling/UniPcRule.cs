using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Core.Sampling;

/// <summary>
/// Wan2.1's flow-matching UniPC multistep update (<c>FlowUniPCMultistepScheduler.step</c> in <c>wan/utils/fm_solvers_unipc.py</c>):
/// predict-x0 on flow predictions (x0 = x − σ·v), B(h) = e^h − 1 ("bh2"), UniP predictor of order <see cref="Order"/> (2),
/// UniC corrector on every step after the first, lower-order warm-up and final steps. It steps along any
/// <see cref="SigmaSchedule"/>; Wan pairs it with <see cref="UniPcSchedule"/>. A run keeps two x0 predictions and the last
/// sample (owned and disposed by the run) and must be stepped in order 0, 1, ….
/// </summary>
public sealed class UniPcRule : IUpdateRule
{
    /// <param name="order">UniPC order (Wan: 2); 1 to 3.</param>
    /// <param name="lowerOrderFinal">Use lower orders in the last steps (Wan: true).</param>
    public UniPcRule(int order = 2, bool lowerOrderFinal = true)
    {
        if (order is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(order), "solver order must be 1, 2 or 3");
        Order = order;
        LowerOrderFinal = lowerOrderFinal;
    }

    public int Order { get; }

    public bool LowerOrderFinal { get; }

    public string Name => "unipc";

    public ISamplerRun Start(SigmaSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new UniPcRun(schedule, Order, LowerOrderFinal);
    }

    private sealed class UniPcRun : ISamplerRun
    {
        private readonly double[] _sigmas;
        private readonly int _order;
        private readonly bool _lowerOrderFinal;
        private readonly Tensor?[] _modelOutputs;
        private Tensor? _lastSample;
        private int _lowerOrderNums;
        private int _thisOrder;
        private int _next;

        public UniPcRun(SigmaSchedule schedule, int order, bool lowerOrderFinal)
        {
            Schedule = schedule;
            _sigmas = schedule.Sigmas.ToArray();
            _order = order;
            _lowerOrderFinal = lowerOrderFinal;
            _modelOutputs = new Tensor?[order];
        }

        public SigmaSchedule Schedule { get; }

        private int Steps => _sigmas.Length - 1;

        /// <summary>Corrects <paramref name="sample"/> with the new model output (UniC, steps ≥ 1), then predicts the sample at
        /// σ_{index+1} (UniP).</summary>
        public Tensor Advance(Tensor velocity, int index, Tensor sample)
        {
            if (index != _next)
                throw new InvalidOperationException($"UniPC step {index} called, expected step {_next} (start a new run to begin again)");
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Steps);
            using var scope = NewDisposeScope();
            var v = velocity.to(sample.dtype);
            var x0 = sample.sub(v.mul(_sigmas[index]));                   // convert_model_output: x − σ·v
            var current = sample;
            if (index > 0 && _lastSample is not null)
                current = Corrector(x0, _lastSample, _thisOrder, index);

            // shift the history: model_outputs[-1] = x0
            _modelOutputs[0]?.Dispose();
            for (int i = 0; i < _order - 1; i++) _modelOutputs[i] = _modelOutputs[i + 1];
            _modelOutputs[^1] = Keep(x0);

            int thisOrder = _lowerOrderFinal ? Math.Min(_order, Steps - index) : _order;
            _thisOrder = Math.Min(thisOrder, _lowerOrderNums + 1);          // warm-up for multistep
            _lastSample?.Dispose();
            _lastSample = Keep(current);
            var prev = Predictor(current, _thisOrder, index);
            if (_lowerOrderNums < _order) _lowerOrderNums++;
            _next++;
            return prev.MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            for (int i = 0; i < _modelOutputs.Length; i++)
            {
                _modelOutputs[i]?.Dispose();
                _modelOutputs[i] = null;
            }
            _lastSample?.Dispose();
            _lastSample = null;
        }

        private static Tensor Keep(Tensor t)
        {
            var kept = t.clone();
            kept.DetachFromDisposeScope();
            return kept;
        }

        // λ(σ) = log α − log σ with α = 1 − σ (flow matching).
        private double Lambda(int i) => Math.Log(1.0 - _sigmas[i]) - Math.Log(_sigmas[i]);

        // multistep_uni_p_bh_update: x at σ_s0 = σ[index] → σ_t = σ[index + 1].
        private Tensor Predictor(Tensor x, int order, int index)
        {
            double sigmaT = _sigmas[index + 1], sigmaS0 = _sigmas[index], alphaT = 1.0 - sigmaT;
            double h = Lambda(index + 1) - Lambda(index);
            var m0 = _modelOutputs[^1]!;
            var rks = new double[order];
            var d1s = new Tensor[order - 1];
            for (int i = 1; i < order; i++)
            {
                double rk = (Lambda(index - i) - Lambda(index)) / h;
                rks[i - 1] = rk;
                d1s[i - 1] = _modelOutputs[^(i + 1)]!.sub(m0).div(rk);
            }
            rks[order - 1] = 1.0;
            var (hPhi1, bh, r, b) = Coefficients(h, rks, order);
            var xt = x.mul(sigmaT / sigmaS0).sub(m0.mul(alphaT * hPhi1));  // x_t_ = σ_t/σ_s0·x − α_t·hφ1·m0
            if (order == 1) return xt;
            // order 2 uses ρ = 0.5; higher orders solve R[:-1, :-1] ρ = b[:-1]
            var rhos = order == 2 ? [0.5] : Solve(Sub(r, order - 1), b[..(order - 1)]);
            var res = Combine(rhos, d1s);
            return xt.sub(res.mul(alphaT * bh));
        }

        // multistep_uni_c_bh_update: corrects this sample (at σ[index]) from the last one (σ[index − 1]) with x0 at this sample.
        private Tensor Corrector(Tensor modelT, Tensor last, int order, int index)
        {
            double sigmaT = _sigmas[index], sigmaS0 = _sigmas[index - 1], alphaT = 1.0 - sigmaT;
            double h = Lambda(index) - Lambda(index - 1);
            var m0 = _modelOutputs[^1]!;
            var rks = new double[order];
            var d1s = new Tensor[order - 1];
            for (int i = 1; i < order; i++)
            {
                double rk = (Lambda(index - (i + 1)) - Lambda(index - 1)) / h;
                rks[i - 1] = rk;
                d1s[i - 1] = _modelOutputs[^(i + 1)]!.sub(m0).div(rk);
            }
            rks[order - 1] = 1.0;
            var (hPhi1, bh, r, b) = Coefficients(h, rks, order);
            var rhos = order == 1 ? [0.5] : Solve(r, b);
            var xt = last.mul(sigmaT / sigmaS0).sub(m0.mul(alphaT * hPhi1));
            var d1t = modelT.sub(m0);
            var corr = d1t.mul(rhos[order - 1]);
            if (order > 1) corr = Combine(rhos[..(order - 1)], d1s).Plus(corr);
            return xt.sub(corr.mul(alphaT * bh));
        }
    }

    // hh = −h (predict x0); hφ1 = e^hh − 1; B(h) = e^hh − 1 (bh2); R[i] = rks^i, b[i] = hφ_{i+1}·(i+1)!/B(h).
    private static (double HPhi1, double Bh, double[,] R, double[] B) Coefficients(double h, double[] rks, int order)
    {
        double hh = -h;
        double hPhi1 = Expm1(hh);
        double hPhiK = hPhi1 / hh - 1.0;
        double bh = Expm1(hh);
        double factorial = 1.0;
        var r = new double[order, order];
        var b = new double[order];
        for (int i = 1; i <= order; i++)
        {
            for (int j = 0; j < order; j++) r[i - 1, j] = Math.Pow(rks[j], i - 1);
            b[i - 1] = hPhiK * factorial / bh;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1.0 / factorial;
        }
        return (hPhi1, bh, r, b);
    }

    private static double Expm1(double x) =>
        Math.Abs(x) < 1e-5 ? x + x * x / 2.0 + x * x * x / 6.0 : Math.Exp(x) - 1.0;

    private static Tensor Combine(double[] rhos, Tensor[] d1s)
    {
        var acc = d1s[0].mul(rhos[0]);
        for (int k = 1; k < rhos.Length; k++) acc = acc.Plus(d1s[k].mul(rhos[k]));
        return acc;
    }

    private static double[,] Sub(double[,] m, int n)
    {
        var s = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) s[i, j] = m[i, j];
        return s;
    }

    // Gaussian elimination with partial pivoting (n ≤ 3).
    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var y = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int i = c + 1; i < n; i++) if (Math.Abs(m[i, c]) > Math.Abs(m[p, c])) p = i;
            if (p != c)
            {
                for (int j = 0; j < n; j++) (m[c, j], m[p, j]) = (m[p, j], m[c, j]);
                (y[c], y[p]) = (y[p], y[c]);
            }
            for (int i = c + 1; i < n; i++)
            {
                double f = m[i, c] / m[c, c];
                for (int j = c; j < n; j++) m[i, j] -= f * m[c, j];
                y[i] -= f * y[c];
            }
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = y[i];
            for (int j = i + 1; j < n; j++) s -= m[i, j] * x[j];
            x[i] = s / m[i, i];
        }
        return x;
    }
}
