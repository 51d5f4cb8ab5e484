using Jano.Core.Acceleration;
using static TorchSharp.torch;

namespace Jano.Engine.Bench;

/// <summary>
/// Wraps an accelerator and counts, through the seam, the analytic FLOPs of the work its forwards actually do (see
/// <see cref="FlopModel"/>): an MLP per block run, self-attention per computed attention with the keys the
/// accelerator returned from <see cref="ITransformerHooks.ExtendKeyValues"/>, cross-attention per computed call.
/// Outputs are unchanged: the wrapper only observes.
/// </summary>
public sealed class FlopCountingAccelerator(IAccelerator inner, FlopTally tally) : IAccelerator
{
    public string Name => inner.Name;

    public IReadOnlyList<KeyValuePair<string, string>> Options => inner.Options;

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

    private sealed class Hooks_(ITransformerHooks inner, TransformerDescriptor d, FlopTally tally) : ITransformerHooks
    {
        private long _keys = -1;

        public TokenSelection SelectTokens(int tokenCount) => inner.SelectTokens(tokenCount);

        public Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) =>
            inner.RunBlockStack(x, probe, h =>
            {
                tally.StacksRun++;
                return runBlocks(h);
            });

        public Tensor RunBlock(int layer, Tensor x, Func<Tensor, Tensor> runBlock) =>
            inner.RunBlock(layer, x, h =>
            {
                tally.BlocksRun++;
                tally.Flops += h.shape[0] * FlopModel.Mlp(d, h.shape[1]);
                return runBlock(h);
            });

        public Tensor RunAttention(int layer, AttentionKind kind, Tensor input, Func<Tensor, Tensor> compute) =>
            inner.RunAttention(layer, kind, input, a =>
            {
                _keys = -1;
                var result = compute(a);
                long b = a.shape[0], m = a.shape[1];
                tally.Flops += kind == AttentionKind.Cross
                    ? b * FlopModel.CrossAttention(d, m)
                    : b * FlopModel.SelfAttention(d, m, _keys > 0 ? _keys : m);
                var key = kind.ToString();
                tally.AttentionRuns[key] = tally.AttentionRuns.GetValueOrDefault(key) + 1;
                return result;
            });

        public (Tensor Input, Tensor Positions)? ExtraKeyValueInput(int layer, Tensor x) => inner.ExtraKeyValueInput(layer, x);

        public (Tensor K, Tensor V) ExtendKeyValues(int layer, Tensor k, Tensor v)
        {
            var result = inner.ExtendKeyValues(layer, k, v);
            _keys = result.K.shape[1];
            return result;
        }

        public Tensor ComposeOutput(Tensor output, TokenSelection selection) => inner.ComposeOutput(output, selection);
    }
}
