using System.Globalization;

namespace Jano.Core.Options;

/// <summary>
/// Upper bounds on what a request may ask for, checked before anything is allocated; each check throws a one-line
/// <see cref="UsageException"/> that names the option and says what is allowed. The bounds are far above every real
/// use (Wan2.1 runs 50 steps, 1280x720, 81 frames) and far below what would exhaust memory or overflow 32-bit
/// arithmetic in the schedules (step counts and intervals are multiplied together).
/// </summary>
public static class RequestLimits
{
    /// <summary>Most denoising steps (and the largest warm-up, cool-down or interval an accelerator option may give).</summary>
    public const int MaxSteps = 10_000;

    /// <summary>Largest width or height in pixels.</summary>
    public const int MaxSide = 8192;

    /// <summary>Most frames of a video.</summary>
    public const int MaxFrames = 4096;

    /// <summary>Longest prompt, in UTF-16 code units (Wan's tokenizer keeps 512 tokens anyway).</summary>
    public const int MaxPromptLength = 20_000;

    /// <summary>Most timed repeats, samples, prompts or seeds a command may ask for.</summary>
    public const int MaxCount = 100_000;

    /// <summary>Most intra-op threads.</summary>
    public const int MaxThreads = 1024;

    /// <summary>Largest analysis block side (<c>analyze_block_size</c>), in latent cells.</summary>
    public const int MaxAnalysisBlock = 1024;

    /// <summary>How many times larger than the latent grid the analysis may pad it (a block much larger than the
    /// grid pads it to the block's size).</summary>
    public const int MaxAnalysisPadding = 64;

    /// <summary>Checks a count option: <paramref name="min"/> ≤ value ≤ <paramref name="max"/>.</summary>
    public static int InRange(string name, long value, long min, long max)
    {
        if (value < min || value > max)
            throw new UsageException($"{name} ({value.ToString(CultureInfo.InvariantCulture)}) must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
        return (int)value;
    }

    /// <summary>Checks accelerator options that count steps, layers or intervals: each at most <see cref="MaxSteps"/>
    /// (lower bounds are the options' own checks). Keeps every schedule's arithmetic far from 32-bit overflow.</summary>
    public static void StepCounts(params (string Name, long Value)[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        foreach (var (name, value) in counts)
            if (value > MaxSteps)
                throw new UsageException($"{name} ({value.ToString(CultureInfo.InvariantCulture)}) must be at most {MaxSteps.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Checks a step count (<c>--steps</c>): 1 to <see cref="MaxSteps"/>.</summary>
    public static int Steps(long steps, string name = "--steps") => InRange(name, steps, 1, MaxSteps);

    /// <summary>Checks an output size (<c>--size WxH</c>): each side 1 to <see cref="MaxSide"/>.</summary>
    public static void Size(long width, long height)
    {
        if (width < 1 || height < 1 || width > MaxSide || height > MaxSide)
            throw new UsageException($"--size {width.ToString(CultureInfo.InvariantCulture)}x{height.ToString(CultureInfo.InvariantCulture)} is out of range: each side must be between 1 and {MaxSide.ToString(CultureInfo.InvariantCulture)} pixels");
    }

    /// <summary>Checks a frame count (<c>--frames</c>): 1 to <see cref="MaxFrames"/>.</summary>
    public static int Frames(long frames) => InRange("--frames", frames, 1, MaxFrames);

    /// <summary>Checks prompt text: at most <see cref="MaxPromptLength"/> characters, valid Unicode (no unpaired
    /// surrogate, no U+FFFD from invalid UTF-8), no NUL.</summary>
    public static void Prompt(string? text, string name = "--prompt")
    {
        if (text is null) return;
        if (text.Length > MaxPromptLength)
            throw new UsageException($"{name} is {text.Length.ToString(CultureInfo.InvariantCulture)} characters long; at most {MaxPromptLength.ToString(CultureInfo.InvariantCulture)} are allowed");
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\uFFFD') throw new UsageException($"{name} is not valid UTF-8 (it holds a replacement character at position {i.ToString(CultureInfo.InvariantCulture)})");
            if (c == '\0') throw new UsageException($"{name} holds a NUL character at position {i.ToString(CultureInfo.InvariantCulture)}");
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) throw new UsageException($"{name} is not valid Unicode (an unpaired surrogate at position {i.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    /// <summary>Checks an analysis block (<c>analyze_block_size</c>) against the latent grid it divides: each side 1 to
    /// <see cref="MaxAnalysisBlock"/>, and the grid padded to whole blocks at most <see cref="MaxAnalysisPadding"/>
    /// times its size.</summary>
    public static void AnalysisBlock((int T, int H, int W) block, long gridT, long gridH, long gridW)
    {
        var (bt, bh, bw) = block;
        if (bt < 1 || bh < 1 || bw < 1 || bt > MaxAnalysisBlock || bh > MaxAnalysisBlock || bw > MaxAnalysisBlock)
            throw new UsageException($"analyze_block_size ({bt}x{bh}x{bw}) must have sides between 1 and {MaxAnalysisBlock.ToString(CultureInfo.InvariantCulture)}");
        if (gridT < 1 || gridH < 1 || gridW < 1) return;
        double padded = (double)Ceil(gridT, bt) * bt * Ceil(gridH, bh) * bh * Ceil(gridW, bw) * bw;
        double grid = (double)gridT * gridH * gridW;
        if (padded > MaxAnalysisPadding * grid)
            throw new UsageException($"analyze_block_size ({bt}x{bh}x{bw}) is far larger than the latent grid ({gridT}x{gridH}x{gridW}): " +
                                     $"it would pad the grid {(padded / grid).ToString("F0", CultureInfo.InvariantCulture)}-fold (at most {MaxAnalysisPadding.ToString(CultureInfo.InvariantCulture)}-fold)");
    }

    /// <summary>The memory a run may plan to use: <paramref name="maxMemoryGiB"/> when given (the user's override),
    /// else the machine's physical memory (as the runtime sees it, container limits included).</summary>
    public static long MemoryBudgetBytes(double? maxMemoryGiB)
    {
        if (maxMemoryGiB is { } g)
        {
            if (!(g > 0) || !double.IsFinite(g) || g > 1 << 20)
                throw new UsageException($"--max-memory ({g.ToString(CultureInfo.InvariantCulture)}) must be a positive number of GiB (at most 1048576)");
            return (long)(g * (1L << 30));
        }
        return PhysicalMemoryBytes;
    }

    /// <summary>Physical memory available to this process, in bytes.</summary>
    public static long PhysicalMemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Refuses a run whose estimated memory exceeds the budget, saying how much it would take.</summary>
    /// <param name="what">What needs the memory, e.g. "generating 1280x720x81 with wan2.1-t2v-14b".</param>
    /// <param name="neededBytes">The estimate (may be <see cref="double.PositiveInfinity"/> for shapes that overflow).</param>
    /// <param name="detail">How the estimate splits, for the message (e.g. "weights 28.0 GiB, activations 3.1 GiB").</param>
    /// <param name="maxMemoryGiB">The user's override (<c>--max-memory</c>); null: physical memory.</param>
    public static void Memory(string what, double neededBytes, string detail, double? maxMemoryGiB)
    {
        long budget = MemoryBudgetBytes(maxMemoryGiB);
        if (neededBytes <= budget) return;
        string source = maxMemoryGiB is null ? "this machine's" : "the --max-memory";
        throw new UsageException($"{what} would need about {GiB(neededBytes)} of memory ({detail}), more than {source} {GiB(budget)}" +
                                 (maxMemoryGiB is null ? "; ask for less, or pass --max-memory GiB to try anyway" : ""));
    }

    /// <summary>Formats bytes as GiB with one decimal ("1.5 GiB"); absurd sizes as "more than 1 EiB".</summary>
    public static string GiB(double bytes) =>
        !(bytes < 1e18) ? "more than 1 EiB" : (bytes / (1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB";

    private static long Ceil(long a, long b) => (a + b - 1) / b;
}
