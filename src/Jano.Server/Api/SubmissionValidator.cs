using System.Globalization;
using System.Security.Cryptography;
using Jano.Core;
using Jano.Server.Queue;
using Jano.Server.Workers;

namespace Jano.Server.Api;

/// <summary>Turns a <see cref="JobSubmission"/> into job specs, or the one-line reason it is refused (a 400 answer): the
/// limits of <see cref="ServerLimits"/>, a model some live worker holds, and, when this server holds the model, its prompts
/// and the accelerator's options.</summary>
public sealed class SubmissionValidator
{
    private readonly ServerLimits _limits;

    public SubmissionValidator(ServerLimits limits)
    {
        _limits = limits;
    }

    /// <summary>The jobs to queue, or an error line.</summary>
    /// <param name="available">Model names some live worker holds.</param>
    /// <param name="local">The server's own models (for the deeper checks), or null.</param>
    public (IReadOnlyList<JobSpec>? Specs, string? Error) Validate(JobSubmission s, IReadOnlyCollection<string> available, ModelHost? local)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(available);
        if (string.IsNullOrWhiteSpace(s.Model)) return (null, "model: required");
        var model = available.FirstOrDefault(m => string.Equals(m, s.Model, StringComparison.OrdinalIgnoreCase));
        if (model is null)
            return (null, $"model '{Clip(s.Model)}' is not held by any worker; available: {(available.Count == 0 ? "none" : string.Join(", ", available))}");
        if (string.IsNullOrWhiteSpace(s.Prompt)) return (null, "prompt: required");
        if (s.Prompt.Length > _limits.MaxPromptChars) return (null, $"prompt: {s.Prompt.Length} characters, at most {_limits.MaxPromptChars}");
        if (s.NegativePrompt is { } neg && neg.Length > _limits.MaxPromptChars)
            return (null, $"negative_prompt: {neg.Length} characters, at most {_limits.MaxPromptChars}");
        if (Range("steps", s.Steps, 1, _limits.MaxSteps) is { } e1) return (null, e1);
        if ((s.Width is null) != (s.Height is null)) return (null, "width and height: give both or neither");
        if (Range("width", s.Width, 8, _limits.MaxSide) is { } e2) return (null, e2);
        if (Range("height", s.Height, 8, _limits.MaxSide) is { } e3) return (null, e3);
        if (Range("frames", s.Frames, 1, _limits.MaxFrames) is { } e4) return (null, e4);
        if (s.Guidance is { } g && (!double.IsFinite(g) || g < 0 || g > 100)) return (null, "guidance: between 0 and 100");
        if (s.Shift is { } sh && (!double.IsFinite(sh) || sh <= 0 || sh > 100)) return (null, "shift: above 0, at most 100");
        if (s.Sampler is not (null or "euler" or "unipc")) return (null, $"sampler '{Clip(s.Sampler)}': expected euler or unipc");
        if (s.AccelOptions is { Length: > 1000 }) return (null, "accel_options: at most 1000 characters");
        string accel = s.Accel ?? "none";
        if (!JanoModel.Accelerators.Any(a => a.Name == accel))
            return (null, $"accel '{Clip(accel)}': expected one of {string.Join(", ", JanoModel.Accelerators.Select(a => a.Name))}");
        if (s.Seed is not null && s.Seeds is not null) return (null, "give seed or seeds, not both");
        if (s.Seeds is { } many && (many.Count == 0 || many.Count > _limits.MaxBatch))
            return (null, $"seeds: 1 to {_limits.MaxBatch} seeds per submission, got {many.Count}");
        if (s.Seeds?.Concat(s.Seed is { } one ? [one] : []).FirstOrDefault(x => x < 0) is < 0) return (null, "seed: must not be negative");

        if (local?.Find(model) is { } held)
        {
            var info = held.Info;
            if (info.Prompts is { } prompts && !prompts.Contains(s.Prompt, StringComparer.Ordinal))
                return (null, $"prompt '{Clip(s.Prompt)}': {model} takes one of {string.Join(", ", prompts)}");
            if (!info.IsVideo && s.Frames is > 1) return (null, $"frames: {model} is an image model");
            try
            {
                held.AcceleratorOptions(accel, s.AccelOptions);
            }
            catch (UsageException e)
            {
                return (null, ErrorText.Describe(e));
            }
        }

        var seeds = s.Seeds ?? [s.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue)];
        var specs = seeds.Select(seed => new JobSpec
        {
            Model = model, Prompt = s.Prompt, NegativePrompt = s.NegativePrompt, Seed = seed, Steps = s.Steps, Width = s.Width, Height = s.Height,
            Frames = s.Frames, Guidance = s.Guidance, Shift = s.Shift, Sampler = s.Sampler, Accel = accel, AccelOptions = s.AccelOptions, Compare = s.Compare,
        }).ToArray();
        return (specs, null);
    }

    private static string? Range(string name, int? value, int min, int max) =>
        value is { } v && (v < min || v > max) ? string.Create(CultureInfo.InvariantCulture, $"{name}: {v} is outside {min}..{max}") : null;

    private static string Clip(string? text) => text is null ? "" : ErrorText.Escape(text.Length > 60 ? text[..60] + "..." : text);
}
