// Jano.NET as a library: generate a Fashion-MNIST clip of a sneaker with the Jano accelerator, compared against full
// compute, and write sneaker.png (the frames as a montage). Usage: Jano.Sample [PROMPT] [ACCELERATOR]
using System.Globalization;
using Jano;

string prompt = args.Length > 0 ? args[0] : "sneaker";
string accelerator = args.Length > 1 ? args[1] : "jano";
string file = prompt.Replace(' ', '-') + ".png";

using var model = JanoModel.Load("fmnist-video");
Console.WriteLine($"model {model.Name}: {model.Info.Frames} frames of {model.Info.Width}x{model.Info.Height}, {model.Info.Steps} steps; weights {model.WeightsSource}");
var progress = new PhaseProgress();
using var result = await model.GenerateAsync(new JanoRequest(prompt) { Accelerator = accelerator, Compare = true }, progress);
result.SavePng(file);

var r = result.Report;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{r.Accel} ({string.Join(",", r.Options.Select(kv => kv.Key + "=" + kv.Value))})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{result.Speedup:F2}x faster than full compute, PSNR {(r.Identical == true ? "identical" : $"{result.Psnr:F1} dB")}, SSIM {result.Ssim:F3}, {result.ComputedTokenFraction:P0} of tokens computed"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steps: {string.Join(" ", r.StepLevels)}"));
Console.WriteLine($"wrote {Path.GetFullPath(file)} ({result.Frames.Count} frames)");

/// <summary>Prints one line when a phase finishes (reported on the generating thread, so lines come in order).</summary>
internal sealed class PhaseProgress : IProgress<JanoProgress>
{
    public void Report(JanoProgress p)
    {
        if (p.Step == p.Steps && p.Level is not null)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Phase,-10} {p.Steps,2} steps  {p.Elapsed.TotalSeconds,6:F1} s"));
    }
}
