using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Training.Scenes;

/// <summary>
/// AdamW (decoupled weight decay, bias correction) over a module's parameters, with global-norm gradient clipping and
/// optional EMA weights. Its moments are not meant to be saved: a compact checkpoint holds the weights (and EMA), and a
/// resumed run starts fresh moments (<see cref="MomentSteps"/> counts from 0 again, so the bias correction restarts).
/// </summary>
public sealed class CompactAdamW : IDisposable
{
    private readonly List<(string Name, Tensor Param, Tensor M, Tensor V, Tensor? Ema, bool Decay)> _state = new();

    /// <param name="parameters">Named parameters to optimise.</param>
    /// <param name="decay">True for parameters that get weight decay.</param>
    /// <param name="withEma">Keep an EMA copy of every parameter.</param>
    public CompactAdamW(IEnumerable<(string Name, Tensor Param)> parameters, Func<string, Tensor, bool> decay, bool withEma)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(decay);
        using var _ = torch.no_grad();
        foreach (var (name, p) in parameters)
            _state.Add((name, p, torch.zeros_like(p), torch.zeros_like(p), withEma ? p.detach().clone() : null, decay(name, p)));
    }

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.99;

    public double WeightDecay { get; init; } = 0.01;

    public double GradClip { get; init; } = 1.0;

    /// <summary>Updates since the moments were (re)started; the bias correction uses it.</summary>
    public int MomentSteps { get; private set; }

    /// <summary>Names and tensors of the parameters, in order.</summary>
    public IEnumerable<(string Name, Tensor Param)> Parameters => _state.Select(s => (s.Name, s.Param));

    /// <summary>Names and EMA tensors (empty without EMA).</summary>
    public IEnumerable<(string Name, Tensor Ema)> Ema => _state.Where(s => s.Ema is not null).Select(s => (s.Name, s.Ema!));

    /// <summary>Zeroes every gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var st in _state) st.Param.grad?.zero_();
    }

    /// <summary>One update with learning rate <paramref name="lr"/>; the EMA (if kept) moves with decay <paramref name="emaDecay"/>.
    /// Returns the gradient norm before clipping. A non-finite gradient norm makes no update (weights, moments and EMA
    /// unchanged) and is returned as is.</summary>
    public double Update(double lr, double emaDecay = 0)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        double norm = Math.Sqrt(_state.Sum(st => st.Param.grad is null ? 0 : st.Param.grad.to(ScalarType.Float64).square().sum().item<double>()));
        if (!double.IsFinite(norm)) return norm;
        MomentSteps++;
        double clip = norm > GradClip ? GradClip / (norm + 1e-6) : 1.0;
        double bc1 = 1 - Math.Pow(Beta1, MomentSteps), bc2 = 1 - Math.Pow(Beta2, MomentSteps);
        foreach (var (_, p, m, v, ema, decay) in _state)
        {
            var g = p.grad;
            if (g is null) continue;
            if (clip != 1.0) g.mul_(clip);
            m.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            v.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            if (decay) p.mul_(1 - lr * WeightDecay);
            var denom = v.div(bc2).sqrt_().add_(1e-8);
            p.addcdiv_(m, denom, value: -lr / bc1);
            ema?.mul_(emaDecay).add_(p, alpha: 1 - emaDecay);
        }
        return norm;
    }

    /// <summary>Zeroes the moments and restarts the bias correction (after loading a compact checkpoint).</summary>
    public void RestartMoments()
    {
        using var _ = torch.no_grad();
        foreach (var st in _state)
        {
            st.M.zero_();
            st.V.zero_();
        }
        MomentSteps = 0;
    }

    /// <summary>Copies the EMA weights into the parameters.</summary>
    public void ApplyEma()
    {
        using var _ = torch.no_grad();
        foreach (var st in _state) if (st.Ema is not null) st.Param.copy_(st.Ema);
    }

    public void Dispose()
    {
        foreach (var st in _state)
        {
            st.M.Dispose();
            st.V.Dispose();
            st.Ema?.Dispose();
        }
        _state.Clear();
    }
}
