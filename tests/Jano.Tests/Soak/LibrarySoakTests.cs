using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Soak;

/// <summary>
/// The soak test of the hostile-input issue, outside CI (<c>bash scripts/soak.sh</c>; <c>scripts/test.sh</c> without
/// arguments leaves the <c>Soak</c> category out): 100 generations in one process through the library entry point, Jano
/// on the shipped image model, after one warm-up generation. After each generation the live tensors must be back at the
/// count before the first, and
/// the resident set's slope over generations 11-100 (least squares) at most 1 MiB per generation. Figures go to
/// <c>TestResults/soak.json</c>.
/// </summary>
[Trait("Category", "Soak")]
public sealed class LibrarySoakTests(ITestOutputHelper output)
{
    private const int Generations = 100;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [Fact]
    public void Hundred_generations_leave_no_tensor_and_a_flat_resident_set()
    {
        using var model = JanoModel.Load("fmnist-image", new JanoLoadOptions { Threads = 1 });
        // One generation first: the model builds its RoPE tables on first use and keeps them (not a per-generation leak).
        using (model.Generate(new JanoRequest("sneaker") { Accelerator = "jano", Seed = 1000 })) { }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var live = new long[Generations];
        var rssMiB = new double[Generations];
        var clock = Stopwatch.StartNew();
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i < Generations; i++)
        {
            using (var result = model.Generate(new JanoRequest(i % 2 == 0 ? "sneaker" : "bag") { Accelerator = "jano", Seed = i }))
                Assert.Single(result.Frames);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            live[i] = DisposeScopeManager.Statistics.ThreadTotalLiveCount - baseline;
            process.Refresh();
            rssMiB[i] = process.WorkingSet64 / (1024.0 * 1024.0);
        }
        double slope = Slope(rssMiB.Skip(10).ToArray());
        var figures = new
        {
            generations = Generations,
            seconds = clock.Elapsed.TotalSeconds,
            live_tensors_above_baseline_max = live.Max(),
            rss_mib_first = rssMiB[0],
            rss_mib_10 = rssMiB[9],
            rss_mib_last = rssMiB[^1],
            rss_slope_mib_per_generation_after_10 = slope,
        };
        string json = JsonSerializer.Serialize(figures, Indented);
        output.WriteLine(json);
        var dir = Path.Combine(Eval.EvalClassifierTests.RepoRoot, "TestResults");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "soak.json"), json);
        Assert.All(live, n => Assert.Equal(0, n));
        Assert.True(slope <= 1.0, string.Create(CultureInfo.InvariantCulture, $"RSS grows {slope:F3} MiB per generation after the first 10"));
    }

    // Least-squares slope of y over x = 0..n-1.
    private static double Slope(double[] y)
    {
        double n = y.Length, mx = (n - 1) / 2, my = y.Average();
        double num = 0, den = 0;
        for (int i = 0; i < y.Length; i++)
        {
            num += (i - mx) * (y[i] - my);
            den += (i - mx) * (i - mx);
        }
        return num / den;
    }
}
