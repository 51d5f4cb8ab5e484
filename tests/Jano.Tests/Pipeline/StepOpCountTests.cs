using Jano.Acceleration.JanoMethod;
using Jano.Core.Options;
using Jano.Engine.Pipelines;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Pipeline;

/// <summary>The fixed cost of a cheap step is mostly per-operation overhead, so its tensor operations are counted (tensors
/// created on the thread during the step): a deterministic guard that needs no timing.</summary>
public class StepOpCountTests(ITestOutputHelper log)
{
    [Fact]
    public void ALevelOneStepCreatesFewTensorsPerLayer()
    {
        using var rig = new PipelineTestRig();
        var jano = new JanoAccelerator(new JanoOptions().With(OptionList.Parse(
            "warmup_steps=3,cooldown_steps=2,static_interval=4,medium_interval=2,analyze_block_size=1x2x2,t_weight=0.5,d_distance=1")));
        var counts = new List<(string Level, long Created)>();
        long last = Created();
        var progress = new SyncProgress(p =>
        {
            if (p.Stage != GenerationStage.Denoise || p.Step == 0) return;
            long now = Created();
            counts.Add((p.Level, now - last));
            last = now;
        });
        using var result = rig.Pipeline.Generate(PipelineTestRig.Request(steps: 12), jano, progress);
        var l1 = counts.Where(c => c.Level == "L1").Select(c => c.Created).ToArray();
        var full = counts.Where(c => c.Level is "full" or "L3").Select(c => c.Created).ToArray();
        Assert.NotEmpty(l1);
        int layers = TestModels.TinyConfig.NumLayers;
        log.WriteLine($"tensors created per step: L1 {string.Join(",", l1)}; full/L3 {string.Join(",", full)}; layers {layers}");
        Assert.True(l1.Max() <= 60 + 75 * layers, // 306 before the condition cache and the skipped no-op casts, 205 after
            $"a level-1 step created {l1.Max()} tensors");
    }

    private static long Created()
    {
        var s = DisposeScopeManager.Statistics;
        return s.CreatedInScopeCount + s.CreatedOutsideScopeCount;
    }

    // Progress<T> posts to the thread pool; this reports on the calling thread, inside the step's accounting.
    private sealed class SyncProgress(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
