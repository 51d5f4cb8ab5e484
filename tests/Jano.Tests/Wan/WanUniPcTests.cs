using System.Globalization;
using Jano.Core.Sampling;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary><see cref="UniPcSchedule"/> and <see cref="UniPcRule"/> against Wan's FlowUniPCMultistepScheduler
/// (unipc.safetensors: 8 steps, unipc-50.safetensors: Wan's 50 steps; shift 5, order 2, bh2, corrector on, lower-order
/// final; model outputs depend on the sample plus seeded noise).</summary>
public class WanUniPcTests(ITestOutputHelper log)
{
    private const string File = "unipc.safetensors";
    private const int Steps = 8;

    [Theory]
    [InlineData(File, Steps)]
    [InlineData("unipc-50.safetensors", 50)]
    public void SigmasAndTimestepsMatchTheOfficialSchedule(string file, int steps)
    {
        var schedule = new UniPcSchedule(5.0).Build(steps, 0);
        using var sigmas = WanFixtures.Read(file, "sigmas");
        using var timesteps = WanFixtures.Read(file, "timesteps");
        var expectedSigmas = sigmas.data<float>().ToArray();
        var expectedTimesteps = timesteps.data<long>().ToArray();
        Assert.Equal(steps + 1, schedule.Sigmas.Count);
        for (int i = 0; i <= steps; i++) Assert.Equal(expectedSigmas[i], (float)schedule.Sigmas[i]);
        for (int i = 0; i < steps; i++) Assert.Equal(expectedTimesteps[i], (long)schedule.Timesteps[i]);
        Assert.Equal(999L, (long)schedule.Timesteps[0]);
    }

    [Theory]
    [InlineData(File, Steps)]
    [InlineData("unipc-50.safetensors", 50)]
    public void EveryStepMatchesTheOfficialScheduler(string file, int steps)
    {
        using var _ = torch.no_grad();
        using var run = Samplers.Create("unipc", 5.0).Start(steps, 0);
        var diffs = Run(run, file);
        log.WriteLine($"{file}: max abs diff per step: " + string.Join(", ", diffs.Select(d => d.ToString("E2", CultureInfo.InvariantCulture))));
        Assert.All(diffs, d => Assert.True(d <= 1e-4, $"max abs diffs {string.Join(", ", diffs)}"));
    }

    [Fact]
    public void ANewRunIsIdenticalAndStepsMustBeInOrder()
    {
        using var _ = torch.no_grad();
        var rule = new UniPcRule();
        var schedule = new UniPcSchedule(5.0).Build(Steps, 0);
        using var x = WanFixtures.Read(File, "sample.init");
        using var v0 = WanFixtures.Read(File, "model_output.0");
        using var v1 = WanFixtures.Read(File, "model_output.1");
        using var first = rule.Start(schedule);
        using var a0 = first.Advance(v0, 0, x);
        using var a1 = first.Advance(v1, 1, a0);
        Assert.Throws<InvalidOperationException>(() => first.Advance(v1, 1, a1));
        using var second = rule.Start(schedule);
        Assert.Throws<InvalidOperationException>(() => second.Advance(v1, 1, a0));
        using var b0 = second.Advance(v0, 0, x);
        using var b1 = second.Advance(v1, 1, b0);
        Assert.True(TestModels.BitEqual(a1, b1));
    }

    // The multistep/corrector terms matter: a plain Euler run on the same outputs ends elsewhere.
    [Fact]
    public void DiffersFromEulerOnTheSameModelOutputs()
    {
        using var _ = torch.no_grad();
        var schedule = new UniPcSchedule(5.0).Build(Steps, 0);
        using var uni = new UniPcRule().Start(schedule);
        using var euler = new EulerRule().Start(schedule);
        using var x = WanFixtures.Read(File, "sample.init");
        using var v0 = WanFixtures.Read(File, "model_output.0");
        using var v1 = WanFixtures.Read(File, "model_output.1");
        using var u0 = uni.Advance(v0, 0, x);
        using var u1 = uni.Advance(v1, 1, u0);
        using var e0 = euler.Advance(v0, 0, x);
        using var e1 = euler.Advance(v1, 1, e0);
        Assert.True(TestModels.MaxAbsDiff(e0, u0) < 1e-5);   // first step is first order: Euler in x0 form
        Assert.True(TestModels.MaxAbsDiff(e1, u1) > 1e-3);
    }

    private static List<float> Run(ISamplerRun sampler, string file)
    {
        var diffs = new List<float>();
        var x = WanFixtures.Read(file, "sample.init");
        for (int i = 0; i < sampler.Schedule.Steps; i++)
        {
            using var v = WanFixtures.Read(file, $"model_output.{i}");
            using var expected = WanFixtures.Read(file, $"sample.{i}");
            var next = sampler.Advance(v, i, x);
            diffs.Add(TestModels.MaxAbsDiff(expected, next));
            x.Dispose();
            x = next;
        }
        x.Dispose();
        return diffs;
    }
}
