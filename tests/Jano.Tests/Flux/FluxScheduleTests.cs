using System.Text.Json;
using Jano.Core.Sampling;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Flux;

/// <summary><see cref="ResolutionShiftSchedule"/> (FLUX's <c>get_schedule</c> shift) against the official <c>get_schedule</c> (schedule.json from make_flux_fixtures.py).</summary>
public class FluxScheduleTests(ITestOutputHelper log)
{
    [Fact]
    public void SigmasMatchTheOfficialGetSchedule()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FluxFixtures.PathOf("schedule.json")));
        int cases = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            int steps = c.GetProperty("num_steps").GetInt32(), len = c.GetProperty("image_seq_len").GetInt32();
            bool shift = c.GetProperty("shift").GetBoolean();
            var expected = c.GetProperty("timesteps").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var actual = Sigmas(steps, len, shift);
            Assert.Equal(expected.Length, actual.Length);
            double diff = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            log.WriteLine($"steps {steps}, tokens {len}, shift {shift}: max abs diff {diff:E2}");
            Assert.True(diff <= 1e-6, $"steps {steps}, tokens {len}: max abs diff {diff}");
            Assert.Equal(1.0, actual[0]);
            Assert.Equal(0.0, actual[^1]);
            cases++;
        }
        Assert.Equal(6, cases);
    }

    [Fact]
    public void MuIsLinearThroughTheTwoOfficialPointsAndTheShiftRaisesEveryLevel()
    {
        var schedule = new ResolutionShiftSchedule();
        Assert.Equal(0.5, schedule.Mu(256), 12);
        Assert.Equal(1.15, schedule.Mu(4096), 12);
        Assert.Equal(0.825, schedule.Mu(2176), 12);
        var shifted = Sigmas(10, 4096, shift: true);
        var linear = Sigmas(10, 4096, shift: false);
        for (int i = 1; i < 10; i++)
        {
            Assert.True(shifted[i] > linear[i]);
            Assert.True(shifted[i] < shifted[i - 1]);
            Assert.Equal(1.0 - i / 10.0, linear[i], 15);
        }
        // σ' = e^μ / (e^μ + 1/σ − 1) at σ = 0.5 is e^μ / (e^μ + 1)
        Assert.Equal(Math.Exp(1.15) / (Math.Exp(1.15) + 1), ResolutionShiftSchedule.Shifted(1.15, 0.5), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.Build(0, 4096));
    }

    // dev-style sampling shifts by resolution; schnell (shift false) uses the linear levels, Wan's shift 1.
    private static double[] Sigmas(int steps, int imageTokens, bool shift) =>
        [.. (shift ? (ISigmaSchedule)new ResolutionShiftSchedule() : new ShiftSchedule(1.0)).Build(steps, imageTokens).Sigmas];
}
