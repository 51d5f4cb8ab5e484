using static TorchSharp.torch;

namespace Jano.Core.Sampling;

/// <summary>
/// Wan2.1's flow-matching UniPC multistep solver (<c>FlowUniPCMultistepScheduler</c> in <c>wan/utils/fm_solvers_unipc.py</c>)
/// as <c>text2video.py</c> uses it: built with shift 1, <c>set_timesteps(steps, shift)</c>; predict-x0 on flow predictions
/// (x0 = x − σ·v), B(h) = e^h − 1 ("bh2"), UniP predictor of order <c>solverOrder</c> (2), UniC corrector on every step
/// after the first, lower-order warm-up and final step. Noise levels: σ = linspace(σ_max, 0, N+1)[:-1] with
/// σ_max = fp32(0.999), shifted σ' = shift·σ / (1 + (shift − 1)·σ), stored as fp32 with a final 0; timesteps are
/// trunc(σ'·1000) from the float64 values. Stateful: <see cref="Step"/> must be called for steps 0, 1, … in order;
/// <see cref="Reset"/> starts a new run. The tensors it keeps (two x0 predictions and the last sample) are owned and
/// disposed by it.
/// </summary>
public sealed class FlowUniPcSampler : IDisposable
{
    private readonly double[] _sigmas64;   // N shifted noise levels, float64 (for timesteps)
    private readonly int _order;
    private readonly bool _lowerOrderFinal;
    private readonly Tensor?[] _modelOutputs;
    private Tensor? _lastSample;
    private int _lowerOrderNums;
    private int _thisOrder;
    private int _next;

    /// <summary>Creates the solver for <paramref name="steps"/> steps with timestep <paramref name="shift"/> (Wan: 5.0).</summary>
    /// <param name="steps">Number of denoising steps (model evaluations).</param>
    /// <param name="shift">Timestep shift, applied in <c>set_timesteps</c>.</param>
    /// <param name="solverOrder">UniPC order (Wan: 2); 1 to 3.</param>
    /// <param name="lowerOrderFinal">Use lower orders in the last steps (Wan: true).</param>
    /// <param name="numTrainTimesteps">Training timesteps (Wan: 1000).</param>
    public FlowUniPcSampler(int steps, double shift, int solverOrder = 2, bool lowerOrderFinal = true, int numTrainTimesteps = 1000)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be at least 1");
        if (!(shift > 0) || double.IsInfinity(shift)) throw new ArgumentOutOfRangeException(nameof(shift), "shift must be a positive number");
        if (solverOrder is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(solverOrder), "solver order must be 1, 2 or 3");
        ArgumentOutOfRangeException.ThrowIfLessThan(numTrainTimesteps, 2);
        _order = solverOrder;
        _lowerOrderFinal = lowerOrderFinal;
        _modelOutputs = new Tensor?[solverOrder];
        NumTrainTimesteps = numTrainTimesteps;

        // __init__ with shift 1: sigmas = 1 − linspace(1, 1/T, T)[::-1] as fp32; σ_max = sigmas[0], σ_min = sigmas[-1] = 0.
        double sigmaMax = (float)(1.0 - 1.0 / numTrainTimesteps);
        const double sigmaMin = 0.0;
        _sigmas64 = new double[steps];
        Sigmas = new double[steps + 1];
        double delta = (sigmaMin - sigmaMax) / steps;
        for (int i = 0; i < steps; i++)
        {
            double s = i * delta + sigmaMax; // np.linspace(σ_max, σ_min, N + 1)[i]
            s = shift * s / (1.0 + (shift - 1.0) * s);
            _sigmas64[i] = s;
            Sigmas[i] = (float)s;
        }
        Sigmas[steps] = 0.0;
    }

    /// <summary>N + 1 noise levels (fp32 values, as the official scheduler stores them), last = 0.</summary>
    public double[] Sigmas { get; }

    /// <summary>Number of steps N.</summary>
    public int Steps => Sigmas.Length - 1;

    /// <summary>Training timesteps (σ scale of the model's timestep input).</summary>
    public int NumTrainTimesteps { get; }

    /// <summary>Model timestep for step <paramref name="index"/>: trunc(σ·1000) of the float64 σ (Wan's int64 timesteps).</summary>
    public double Timestep(int index)
    {
        if (index < 0 || index >= Steps) throw new ArgumentOutOfRangeException(nameof(index));
        return Math.Truncate(_sigmas64[index] * NumTrainTimesteps);
    }

    /// <summary>Forgets the multistep history so that a new run can start at step 0.</summary>
    public void Reset()
    {
        for (int i = 0; i < _modelOutputs.Length; i++)
        {
            _modelOutputs[i]?.Dispose();
            _modelOutputs[i] = null;
        }
        _lastSample?.Dispose();
        _lastSample = null;
        _lowerOrderNums = 0;
        _thisOrder = 0;
        _next = 0;
    }

    /// <summary>
    /// One UniPC step: corrects <paramref name="sample"/> with the new model output (UniC, steps ≥ 1), then predicts the
    /// sample at σ_{index+1} (UniP). <paramref name="velocity"/> is the (guided) flow prediction at
    /// <paramref name="sample"/>, σ_index. Returns a new tensor in the sample's dtype; inputs are untouched.
    /// </summary>
    /// <exception cref="InvalidOperationException">Steps are not called in order 0, 1, … (call <see cref="Reset"/> first).</exception>
    public Tensor Step(Tensor velocity, int index, Tensor sample)
    {
        if (index != _next)
            throw new InvalidOperationException($"UniPC step {index} called, expected step {_next} (call Reset to start a new run)");
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Steps);
        using var scope = NewDisposeScope();
        var v = velocity.to(sample.dtype);
        var x0 = sample.sub(v.mul(Sigmas[index]));                    // convert_model_output: x − σ·v
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

    /// <summary>Disposes the kept tensors.</summary>
    public void Dispose() => Reset();

    private static Tensor Keep(Tensor t)
    {
        var kept = t.clone();
        kept.DetachFromDisposeScope();
        return kept;
    }

    // λ(σ) = log α − log σ with α = 1 − σ (flow matching).
    private double Lambda(int i) => Math.Log(1.0 - Sigmas[i]) - Math.Log(Sigmas[i]);

    // multistep_uni_p_bh_update: x at σ_s0 = σ[index] → σ_t = σ[index + 1].
    private Tensor Predictor(Tensor x, int order, int index)
    {
        double sigmaT = Sigmas[index + 1], sigmaS0 = Sigmas[index], alphaT = 1.0 - sigmaT;
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
        double sigmaT = Sigmas[index], sigmaS0 = Sigmas[index - 1], alphaT = 1.0 - sigmaT;
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
        if (order > 1) corr = Combine(rhos[..(order - 1)], d1s).add(corr);
        return xt.sub(corr.mul(alphaT * bh));
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
        for (int k = 1; k < rhos.Length; k++) acc = acc.add(d1s[k].mul(rhos[k]));
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
