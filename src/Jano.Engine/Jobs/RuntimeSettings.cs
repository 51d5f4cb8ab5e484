using Jano.Core;
using Jano.Core.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Jobs;

/// <summary>Parses and applies device, dtype and thread settings (errors are one-line <see cref="UsageException"/>s).</summary>
public static class RuntimeSettings
{
    public static Device ParseDevice(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "cpu":
                return CPU;
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new UsageException("--device cuda needs a CUDA build of libtorch and a GPU; this build is CPU-only (TorchSharp-cpu)");
                return CUDA;
            default:
                throw new UsageException($"unknown device '{name}'; valid: cpu, cuda");
        }
    }

    public static ScalarType ParseDType(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new UsageException($"unknown dtype '{name}'; valid: float32, bfloat16"),
    };

    public static string DTypeName(ScalarType t) => t == ScalarType.BFloat16 ? "bfloat16" : "float32";

    /// <summary>Sets libtorch's intra-op thread count (when given) and returns the count in effect.</summary>
    public static int ApplyThreads(int? threads)
    {
        if (threads is { } n)
        {
            RequestLimits.InRange("--threads", n, 1, RequestLimits.MaxThreads);
            torch.set_num_threads(n);
        }
        return torch.get_num_threads();
    }

    /// <summary>Creates <paramref name="dir"/> and proves it is writable with a probe file.</summary>
    public static void EnsureWritableDirectory(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".jano-write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"output directory '{dir}' is not writable: {e.Message}", e);
        }
    }

    public static string Version =>
        typeof(RuntimeSettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
