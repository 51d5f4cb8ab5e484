using System.Globalization;
using Jano.Core.Sampling;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Jano.Tests.Wan;

/// <summary><see cref="FlowUniPcSampler"/> against Wan's FlowUniPCMultistepScheduler (unipc.safetensors: 8 steps,
/// unipc-50.safetensors: Wan's 50 steps; shift 5, order 2, bh2, corrector on, lower-order final; model outputs depend
/// on the sample plus seeded noise).</summary>
public class WanUniPcTests(ITestOutputHelper log)
{
    private const string File = "unipc.safetensors";
    private const int Steps = 8;

    [Theory]
    [InlineData(File, Steps)]
    [InlineData("unipc-50.safetensors", 50)]
    public void SigmasAndTimestepsMatchTheOfficialSchedule(string file, int steps)
    {
        using var sampler = new FlowUniPcSampler(steps, 5.0);
        using var sigmas = WanFixtures.Read(file, "sigmas");
        using var timesteps = WanFixtures.Read(file, "timesteps");
        var expectedSigmas = sigmas.data<float>().ToArray();
        var expectedTimesteps = timesteps.data<long>().ToArray();
        Assert.Equal(steps + 1, sampler.Sigmas.Length);
        for (int i = 0; i <= steps; i++) Assert.Equal(expectedSigmas[i], (float)sampler.Sigmas[i]);
        for (int i = 0; i < steps; i++) Assert.Equal(expectedTimesteps[i], (long)sampler.Timestep(i));
        Assert.Equal(999L, (long)sampler.Timestep(0));
    }

    [Theory]
    [InlineData(File, Steps)]
    [InlineData("unipc-50.safetensors", 50)]
    public void EveryStepMatchesTheOfficialScheduler(string file, int steps)
    {
        using var _ = torch.no_grad();
        using var sampler = new FlowUniPcSampler(steps, 5.0);
        var diffs = Run(sampler, file);
        log.WriteLine($"{file}: max abs diff per step: " + string.Join(", ", diffs.Select(d => d.ToString("E2", CultureInfo.InvariantCulture))));
        Assert.All(diffs, d => Assert.True(d <= 1e-4, $"max abs diffs {string.Join(", ", diffs)}"));
    }

    [Fact]
    public void ResetStartsAnIdenticalRunAndStepsMustBeInOrder()
    {
        using var _ = torch.no_grad();
        using var sampler = new FlowUniPcSampler(Steps, 5.0);
        using var x = WanFixtures.Read(File, "sample.init");
        using var v0 = WanFixtures.Read(File, "model_output.0");
        using var v1 = WanFixtures.Read(File, "model_output.1");
        using var a0 = sampler.Step(v0, 0, x);
        using var a1 = sampler.Step(v1, 1, a0);
        Assert.Throws<InvalidOperationException>(() => sampler.Step(v1, 1, a1));
        sampler.Reset();
        Assert.Throws<InvalidOperationException>(() => sampler.Step(v1, 1, a0));
        using var b0 = sampler.Step(v0, 0, x);
        using var b1 = sampler.Step(v1, 1, b0);
        Assert.True(TestModels.BitEqual(a1, b1));
    }

    // The multistep/corrector terms matter: a plain Euler run on the same outputs ends elsewhere.
    [Fact]
    public void DiffersFromEulerOnTheSameModelOutputs()
    {
        using var _ = torch.no_grad();
        using var uni = new FlowUniPcSampler(Steps, 5.0);
        using var x = WanFixtures.Read(File, "sample.init");
        using var v0 = WanFixtures.Read(File, "model_output.0");
        using var v1 = WanFixtures.Read(File, "model_output.1");
        using var u0 = uni.Step(v0, 0, x);
        using var u1 = uni.Step(v1, 1, u0);
        var s = uni.Sigmas;
        using var e0 = x.add(v0, alpha: s[1] - s[0]);
        using var e1 = e0.add(v1, alpha: s[2] - s[1]);
        Assert.True(TestModels.MaxAbsDiff(e0, u0) < 1e-5);   // first step is first order: Euler in x0 form
        Assert.True(TestModels.MaxAbsDiff(e1, u1) > 1e-3);
    }

    private static List<float> Run(FlowUniPcSampler sampler, string file)
    {
        var diffs = new List<float>();
        var x = WanFixtures.Read(file, "sample.init");
        for (int i = 0; i < sampler.Steps; i++)
        {
            using var v = WanFixtures.Read(file, $"model_output.{i}");
            using var expected = WanFixtures.Read(file, $"sample.{i}");
            var next = sampler.Step(v, i, x);
            diffs.Add(TestModels.MaxAbsDiff(expected, next));
            x.Dispose();
            x = next;
        }
        x.Dispose();
        return diffs;
    }
}
