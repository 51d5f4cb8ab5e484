namespace Jano.Core.Weights;

/// <summary>
/// Bounds on what a <c>.pth</c> checkpoint's pickle (<c>data.pkl</c>) may ask the reader to build. Each is far above
/// what <c>torch.save</c> writes for real models (Wan2.1's umT5-XXL encoder: a 60 KiB pickle, 242 tensors, nesting
/// depth 3) and low enough that a hostile pickle cannot exhaust memory or time; exceeding one is a one-line
/// <see cref="WeightFileException"/> naming the file and the limit.
/// </summary>
public static class PickleLimits
{
    /// <summary>Largest <c>data.pkl</c>, inflated, in bytes (256 MiB). A record that inflates beyond its declared size
    /// is refused as soon as it does.</summary>
    public const long MaxPickleBytes = 256L << 20;

    /// <summary>Largest single string or bytes item (64 MiB).</summary>
    public const int MaxItemBytes = 64 << 20;

    /// <summary>Most string and bytes payload in all (32 MiB; names are short).</summary>
    public const long MaxTextBytes = 32L << 20;

    /// <summary>Most objects (containers, strings, tensor and storage references) built (4 million: about 9 per tensor).</summary>
    public const int MaxObjects = 4_000_000;

    /// <summary>Most items in all containers together (8 million).</summary>
    public const int MaxContainerItems = 8_000_000;

    /// <summary>Deepest pickle stack (1 million entries; <c>torch.save</c> batches 1000 at a time).</summary>
    public const int MaxStack = 1_000_000;

    /// <summary>Most memo entries (4 million).</summary>
    public const int MaxMemo = 4_000_000;

    /// <summary>Deepest nesting of MARKs while reading, and of dicts while listing tensors (1000).</summary>
    public const int MaxDepth = 1000;

    /// <summary>Most tensors in one checkpoint (1 million).</summary>
    public const int MaxTensors = 1_000_000;

    /// <summary>Most dict entries visited while listing tensors (8 million); bounds the work when sub-dicts are shared
    /// through the memo many times over.</summary>
    public const int MaxVisits = 8_000_000;

    /// <summary>How many names per distinct tensor a checkpoint may list (64; plus 1024): a sub-dict shared through the
    /// memo lists its tensors once per name, so this keeps the listing linear in the file.</summary>
    public const int MaxAliasing = 64;

    /// <summary>Longest dotted tensor name, in characters (4096).</summary>
    public const int MaxNameLength = 4096;

    /// <summary>Most dimensions of one tensor (32).</summary>
    public const int MaxRank = 32;

    /// <summary>Most records in the zip archive (1,048,576 + 16).</summary>
    public const int MaxZipEntries = (1 << 20) + 16;
}
