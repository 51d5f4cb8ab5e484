using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Tests.Contract;

/// <summary>
/// One guided generation driven through the session contract alone (BeginStep, Hooks per forward, EndStep, Report,
/// Dispose), flow-matching Euler, classifier-free guidance with the branches batched or one by one, in either row order.
/// Records the step labels and, for the memory checks, the live tensor count before the session starts, at the start of
/// each step and after it is disposed.
/// </summary>
public sealed class ContractRun : IDisposable
{
    public enum Branches
    {
        /// <summary>One forward per step, rows [Cond, Uncond] (plan order).</summary>
        Batched,
        /// <summary>One forward per step, rows [Uncond, Cond].</summary>
        BatchedReversed,
        /// <summary>Two forwards per step: Cond, then Uncond.</summary>
        Sequential,
        /// <summary>Two forwards per step: Uncond, then Cond.</summary>
        SequentialReversed,
    }

    private static readonly GuidanceBranch[] PlanOrder = [GuidanceBranch.Cond, GuidanceBranch.Uncond];

    private ContractRun(Tensor latent, string[] levels, AcceleratorReport report, long liveBefore, long maxHeld, long liveAfter)
    {
        Latent = latent;
        Levels = levels;
        Report = report;
        LiveBeforeBegin = liveBefore;
        MaxHeldDuring = maxHeld;
        LiveAfterDispose = liveAfter;
    }

    /// <summary>The final latent [C, T, H, W].</summary>
    public Tensor Latent { get; }

    /// <summary>Each step's label (<see cref="StepSummary.Level"/>).</summary>
    public string[] Levels { get; }

    public AcceleratorReport Report { get; }

    /// <summary>Live tensors on this thread right before <see cref="IAccelerator.Begin"/>.</summary>
    public long LiveBeforeBegin { get; }

    /// <summary>Most tensors the session held at the start of a step (live count there minus <see cref="LiveBeforeBegin"/>).</summary>
    public long MaxHeldDuring { get; }

    /// <summary>Live tensors right after the session was disposed.</summary>
    public long LiveAfterDispose { get; }

    public static ContractRun Generate(IDiffusionTransformer model, DiffusionCondition cond, DiffusionCondition uncond, IAccelerator accel,
        long[] latentShape, Branches branches, int steps = 12, long seed = 42, double guidance = 3.0)
    {
        using var noGrad = torch.no_grad();
        var descriptor = model.Describe(latentShape);
        using var sampler = Samplers.Create(Samplers.Euler, 1.5).Start(steps, 0);
        using var noise = TestModels.Randn(seed, latentShape);
        using var g = guidance.ToScalar();
        bool reversed = branches is Branches.BatchedReversed or Branches.SequentialReversed;
        GuidanceBranch[] order = reversed ? [GuidanceBranch.Uncond, GuidanceBranch.Cond] : PlanOrder;
        var byBranch = new Dictionary<GuidanceBranch, DiffusionCondition> { [GuidanceBranch.Cond] = cond, [GuidanceBranch.Uncond] = uncond };
        var batched = Concat(byBranch[order[0]], byBranch[order[1]]);
        var x = noise.clone();
        x.DetachFromDisposeScope();
        var levels = new string[steps];
        long before = Live(), maxHeld = 0, after;
        AcceleratorReport report;
        try
        {
            using (var session = accel.Begin(descriptor, new GenerationPlan(steps, sampler.Schedule.Sigmas.ToArray(), PlanOrder, noise)))
            {
                for (int i = 0; i < steps; i++)
                {
                    using var scope = NewDisposeScope();
                    var step = new StepInfo(i, steps, sampler.Schedule.Sigmas[i], sampler.Schedule.Sigmas[i + 1]);
                    session.BeginStep(step);
                    maxHeld = Math.Max(maxHeld, Live() - before);
                    var v = new Dictionary<GuidanceBranch, Tensor>();
                    if (branches is Branches.Batched or Branches.BatchedReversed)
                    {
                        var t = torch.full([2], sampler.Schedule.Timesteps[i], dtype: ScalarType.Float32);
                        var both = model.Forward(x.unsqueeze(0).expand(2, -1, -1, -1, -1), t, batched, session.Hooks(order)).to(ScalarType.Float32); // [2, C, T, H, W]
                        v[order[0]] = both[0];
                        v[order[1]] = both[1];
                    }
                    else
                    {
                        var t = torch.full([1], sampler.Schedule.Timesteps[i], dtype: ScalarType.Float32);
                        foreach (var b in order)
                            v[b] = model.Forward(x.unsqueeze(0), t, byBranch[b], session.Hooks([b])).to(ScalarType.Float32).squeeze(0);
                    }
                    var guided = v[GuidanceBranch.Uncond].add(v[GuidanceBranch.Cond].sub(v[GuidanceBranch.Uncond]), g); // [C, T, H, W]
                    levels[i] = session.EndStep(step, guided).Level;
                    var next = sampler.Advance(guided, i, x);
                    next.DetachFromDisposeScope();
                    x.Dispose();
                    x = next;
                }
                report = session.Report();
            }
            after = Live(); // the same tensors as before Begin: the running latent and the noise
        }
        catch
        {
            x.Dispose();
            DisposeBatched(batched);
            throw;
        }
        DisposeBatched(batched);
        return new ContractRun(x, levels, report, before, maxHeld, after);
    }

    public void Dispose() => Latent.Dispose();

    private static long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    // The two conditions stacked along the batch, member by member.
    private static DiffusionCondition Concat(DiffusionCondition a, DiffusionCondition b)
    {
        static Tensor? Cat(Tensor? p, Tensor? q) => p is null || q is null ? null : PadCat(p, q);
        return new DiffusionCondition
        {
            ClassIds = Cat(a.ClassIds, b.ClassIds),
            TextEmbeddings = Cat(a.TextEmbeddings, b.TextEmbeddings),
            PooledText = Cat(a.PooledText, b.PooledText),
            Guidance = Cat(a.Guidance, b.Guidance),
            TextIds = Cat(a.TextIds, b.TextIds),
            ImageIds = Cat(a.ImageIds, b.ImageIds),
        };
    }

    // Text of different lengths is zero-padded to the longer one before stacking (Wan pads to text_len anyway).
    private static Tensor PadCat(Tensor p, Tensor q)
    {
        using var scope = NewDisposeScope();
        if (p.dim() == 3 && p.shape[1] != q.shape[1])
        {
            long l = Math.Max(p.shape[1], q.shape[1]);
            p = nn.functional.pad(p, [0, 0, 0, l - p.shape[1]]);
            q = nn.functional.pad(q, [0, 0, 0, l - q.shape[1]]);
        }
        return torch.cat([p, q], 0).DetachFromDisposeScope();
    }

    private static void DisposeBatched(DiffusionCondition c)
    {
        c.ClassIds?.Dispose();
        c.TextEmbeddings?.Dispose();
        c.PooledText?.Dispose();
        c.Guidance?.Dispose();
        c.TextIds?.Dispose();
        c.ImageIds?.Dispose();
    }
}
