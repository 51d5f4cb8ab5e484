using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Calibration;

/// <summary>
/// A full-compute accelerator that records, per guidance branch and step, the step-cache signals that
/// <c>jano calibrate</c> fits: the relative L1 change of block 0's modulated input (TeaCache's x), of the block-stack
/// output (TeaCache's y), and the mean per-token residual-norm ratio ‖r_t‖/‖r_{t−1}‖ with r = stack output − input
/// (MagCache's γ_t). It changes nothing in the forward. One instance records one generation at a time.
/// </summary>
public sealed class SignalRecorder : IAccelerator
{
    /// <summary>(branch, step, input change, output change, residual ratio) of every step after the first.</summary>
    public List<(GuidanceBranch Branch, int Step, double InputChange, double OutputChange, double ResidualRatio)> Samples { get; } = new();

    public string Name => "calibration-recorder";

    public IReadOnlyList<KeyValuePair<string, string>> Options { get; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>Nothing to check: the recorder computes every step.</summary>
    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches)
    {
    }

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan) => new Session(this, model.TokenCount);

    private sealed class Session(SignalRecorder owner, int tokens) : IAcceleratorSession
    {
        // per branch: previous step's probe, stack output and residual, fp32 [n, C]
        private readonly Dictionary<GuidanceBranch, (Tensor Probe, Tensor Output, Tensor Residual)> _last = new();
        private int _step;
        private int _rows;

        public void BeginStep(StepInfo step)
        {
            _step = step.Index;
            _rows = 0;
        }

        public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows)
        {
            _rows += rows.Count;
            return new RecordingHooks(this, rows.ToArray());
        }

        public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => new("full", (long)tokens * _rows);

        public AcceleratorReport Report() => new() { Method = owner.Name };

        public void Dispose()
        {
            foreach (var (p, o, r) in _last.Values)
            {
                p.Dispose();
                o.Dispose();
                r.Dispose();
            }
            _last.Clear();
        }

        public Tensor RunBlockStack(GuidanceBranch[] rows, Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks)
        {
            var output = runBlocks(x); // [B, N, C]
            using var scope = NewDisposeScope();
            var p = probe().detach().to(ScalarType.Float32);        // [B, N, C]
            var o = output.detach().to(ScalarType.Float32);         // [B, N, C]
            var r = o.sub(x.detach().to(ScalarType.Float32));       // [B, N, C]
            for (int i = 0; i < rows.Length; i++)
            {
                var pi = p[i].clone();
                var oi = o[i].clone();
                var ri = r[i].clone();
                if (_last.TryGetValue(rows[i], out var prev))
                {
                    double inChange = RelL1(pi, prev.Probe), outChange = RelL1(oi, prev.Output);
                    using var tiny = 1e-12.ToScalar(); // explicit: an implicit Scalar may be finalized mid-call (TorchSharp 0.107)
                    var ratio = TokenNorms(ri).div(TokenNorms(prev.Residual).clamp_min(tiny)).mean().item<float>();
                    owner.Samples.Add((rows[i], _step, inChange, outChange, ratio));
                    prev.Probe.Dispose();
                    prev.Output.Dispose();
                    prev.Residual.Dispose();
                }
                _last[rows[i]] = (pi.DetachFromDisposeScope(), oi.DetachFromDisposeScope(), ri.DetachFromDisposeScope());
            }
            return output;
        }

        private static Tensor TokenNorms(Tensor t) => t.square().sum(-1).sqrt(); // [N]

        private static double RelL1(Tensor now, Tensor before) =>
            now.sub(before).abs().mean().item<float>() / Math.Max(1e-12, before.abs().mean().item<float>());
    }

    private sealed class RecordingHooks(Session session, GuidanceBranch[] rows) : TransformerHooks
    {
        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) => session.RunBlockStack(rows, x, probe, runBlocks);
    }
}
