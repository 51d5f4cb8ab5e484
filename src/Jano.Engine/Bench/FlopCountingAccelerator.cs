using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Engine.Bench;

/// <summary>
/// Wraps an accelerator and counts, through the seam, the analytic FLOPs of the work its forwards actually do (see
/// <see cref="FlopModel"/>): the MLP rows each computed MLP call ran, self- or joint attention per computed call with the
/// keys the accelerator returned from <see cref="ITransformerHooks.ExtendKeyValues"/>, cross-attention per computed call.
/// Outputs are unchanged: the wrapper only observes.
/// </summary>
public sealed class FlopCountingAccelerator(IAccelerator inner, FlopTally tally) : IAccelerator
{
    public string Name => inner.Name;

    public IReadOnlyList<KeyValuePair<string, string>> Options => inner.Options;

    public void Validate(TransformerDescriptor model, int steps, IReadOnlyList<GuidanceBranch> branches) => inner.Validate(model, steps, branches);

    public IAcceleratorSession Begin(TransformerDescriptor model, GenerationPlan plan)
    {
        tally.Reset();
        return new Session(inner.Begin(model, plan), model, tally);
    }

    private sealed class Session(IAcceleratorSession inner, TransformerDescriptor model, FlopTally tally) : IAcceleratorSession
    {
        public void BeginStep(StepInfo step) => inner.BeginStep(step);

        public ITransformerHooks Hooks(IReadOnlyList<GuidanceBranch> rows) => new Hooks_(inner.Hooks(rows), model, tally);

        public StepSummary EndStep(StepInfo step, Tensor guidedOutput) => inner.EndStep(step, guidedOutput);

        public AcceleratorReport Report() => inner.Report();

        public void Dispose() => inner.Dispose();
    }

    private sealed class Hooks_(ITransformerHooks inner, TransformerDescriptor d, FlopTally tally) : DelegatingHooks(inner)
    {
        private long _keys = -1;

        public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) =>
            Inner.RunBlockStack(x, probe, h =>
            {
                tally.StacksRun++;
                return runBlocks(h);
            });

        public override TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
            Inner.RunMlp(layer, input, a =>
            {
                tally.BlocksRun++;
                tally.Flops += a.Image.shape[0] * FlopModel.Mlp(d, a.Rows);
                return compute(a);
            });

        public override TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
            Inner.RunAttention(layer, kind, input, a =>
            {
                _keys = -1;
                var result = compute(a);
                long b = a.Image.shape[0], m = a.Rows;
                tally.Flops += kind == AttentionKind.Cross
                    ? b * FlopModel.CrossAttention(d, m)
                    : b * FlopModel.SelfAttention(d, m, _keys > 0 ? _keys : m);
                var key = kind.ToString();
                tally.AttentionRuns[key] = tally.AttentionRuns.GetValueOrDefault(key) + 1;
                return result;
            });

        public override KeyValues ExtendKeyValues(int layer, KeyValues kv)
        {
            var result = Inner.ExtendKeyValues(layer, kv);
            _keys = result.K.shape[1];
            return result;
        }
    }
}
