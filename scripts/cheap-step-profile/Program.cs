// Where a cheap step's time goes: times the DiT's forward (batched CFG, the pipeline's condition cache) at full compute and at
// Jano's level 1 and 2 for random level maps with 3 %, 8 % and 17 % active tokens, and level 1 with one part of every block
// skipped through the seam (the whole block stack, the self-attention, the K/V extension, the cross-attention, the MLP).
// Variants run interleaved, round by round, in one process; medians. Run by scripts/cheap-step-profile.sh.
using System.Diagnostics;
using Jano.Acceleration.JanoMethod;
using Jano.Core.Acceleration;
using Jano.Core.Diffusion;
using Jano.Core.Weights;
using Jano.Engine.Pipelines.Dit;
using Jano.Models.Dit;
using TorchSharp;
using static TorchSharp.torch;

string name = args.Length > 0 ? args[0] : "scenes-video";
int threads = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2;
int rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20;
torch.set_num_threads(threads);
var entry = DitModelEntry.Find(name);
using var model = new DitModel(entry.Config);
WeightLoader.LoadInto(model, [entry.WeightsPath]);
model.eval();
using var noGrad = torch.no_grad();
long[] shape = [2, .. entry.LatentShape];
using var gen = new Generator(1);
var x = torch.randn(shape, generator: gen);                                      // [2, C, T, H, W]: cond and uncond rows
var t = torch.tensor(new float[] { 500, 500 });
var classes = torch.tensor(new long[] { 7, model.NullClass });
using var conditionCache = new ConditionCache();
var cond = new DiffusionCondition { ClassIds = classes, Cache = conditionCache };
int n = (int)model.Describe(shape[1..]).TokenCount;
GuidanceBranch[] rows = [GuidanceBranch.Cond, GuidanceBranch.Uncond];

var variants = new List<(string Name, Func<Tensor> Run)> { ("full", () => model.Forward(x, t, cond, NullHooks.Instance)) };
var owned = new List<IDisposable>();
foreach (var active in new[] { 0.03, 0.08, 0.17 })
{
    var rng = new Random(3);
    var levels = Enumerable.Range(0, n).Select(_ => { var u = rng.NextDouble(); return u < active ? 3 : u < active + 0.5 ? 2 : 1; }).ToArray();
    var partition = new TokenPartition(levels, CPU);
    var cache = new FrozenKvCache(rows);
    var outputs = new OutputBuffer(rows);
    owned.AddRange([partition, cache, outputs]);
    using (NewDisposeScope()) model.Forward(x, t, cond, new JanoHooks(3, partition, cache, outputs, rows));
    string a = $"active {partition.Fraction(3):F3}";
    variants.Add(($"{a} L1", () => model.Forward(x, t, cond, new JanoHooks(1, partition, cache, outputs, rows))));
    variants.Add(($"{a} L2", () => model.Forward(x, t, cond, new JanoHooks(2, partition, cache, outputs, rows))));
    foreach (var part in new[] { "blocks", "self", "kvext", "cross", "mlp" })
        variants.Add(($"{a} L1 without {part}", () => model.Forward(x, t, cond, new Without(new JanoHooks(1, partition, cache, outputs, rows), part))));
}
var times = variants.Select(_ => new List<double>()).ToArray();
for (int round = 0; round <= rounds; round++)
    for (int v = 0; v < variants.Count; v++)
        for (int r = 0; r < 3; r++)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            variants[v].Run();
            if (round > 0) times[v].Add(watch.Elapsed.TotalMilliseconds);   // round 0 warms up
        }
static double Median(List<double> l) { var s = l.Order().ToList(); return s[s.Count / 2]; }
double full = Median(times[0]);
Console.WriteLine($"model\t{name}\ttokens\t{n}\tthreads\t{threads}\trounds\t{rounds}");
Console.WriteLine("variant\tms\tof_full");
for (int v = 0; v < variants.Count; v++)
    Console.WriteLine($"{variants[v].Name}\t{Median(times[v]):F2}\t{Median(times[v]) / full:F3}");
foreach (var d in owned) d.Dispose();

// Level-1 hooks with one part of every block left out (its input passed through): the difference to the plain level-1 time
// is what that part costs. "kvext" attends over the computed tokens only (no cached K/V appended).
sealed class Without(ITransformerHooks inner, string part) : DelegatingHooks(inner)
{
    public override Tensor RunBlockStack(Tensor x, Func<Tensor> probe, Func<Tensor, Tensor> runBlocks) =>
        part == "blocks" ? x : Inner.RunBlockStack(x, probe, runBlocks);

    public override KeyValues ExtendKeyValues(int layer, KeyValues kv) => part == "kvext" ? kv : Inner.ExtendKeyValues(layer, kv);

    public override TokenStreams RunAttention(int layer, AttentionKind kind, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
        (part == "self" && kind == AttentionKind.Self) || (part == "cross" && kind == AttentionKind.Cross)
            ? input
            : Inner.RunAttention(layer, kind, input, compute);

    public override TokenStreams RunMlp(int layer, TokenStreams input, Func<TokenStreams, TokenStreams> compute) =>
        part == "mlp" ? input : Inner.RunMlp(layer, input, compute);
}
