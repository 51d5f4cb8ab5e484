using Jano.Models.Wan.TextEncoder;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Jano.Models.Flux.TextEncoders;

/// <summary>
/// The T5 tokenizer as FLUX calls it (Hugging Face's SentencePiece <c>T5Tokenizer</c> with <c>max_length</c> 512 for dev,
/// 256 for schnell, <c>padding="max_length", truncation=True</c>; the official <c>HFEmbedder</c> passes no attention mask):
/// the raw prompt (no cleaning) through SentencePiece (Microsoft.ML.Tokenizers' unigram model on <c>spiece.model</c>, patched
/// for its 2.0.1 loader bugs as <see cref="UmT5Tokenizer"/> is), at most max_length − 1 pieces, then &lt;/s&gt;, then
/// &lt;pad&gt; up to max_length.
/// </summary>
public sealed class T5Tokenizer
{
    private readonly SentencePieceTokenizer _sp;
    private readonly bool _deleteNmtControls;

    private T5Tokenizer(SentencePieceTokenizer sp, int maxLength, int padId, bool deleteNmtControls)
    {
        _sp = sp;
        _deleteNmtControls = deleteNmtControls;
        MaxLength = maxLength;
        PadId = padId;
        EosId = sp.EndOfSentenceId;
    }

    public int MaxLength { get; }

    /// <summary>&lt;pad&gt; (T5: 0).</summary>
    public int PadId { get; }

    /// <summary>&lt;/s&gt; (T5: 1).</summary>
    public int EosId { get; }

    /// <summary>Loads a SentencePiece <c>.model</c> file (e.g. <c>google/t5-v1_1-xxl/spiece.model</c>, a Diffusers folder's
    /// <c>tokenizer_2/spiece.model</c>).</summary>
    public static T5Tokenizer Load(string modelPath, int maxLength, int padId = 0)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), "max_length must be positive");
        var bytes = File.ReadAllBytes(modelPath);
        using var patched = new MemoryStream(SentencePieceModelPatch.WithByteOffsetFix(SentencePieceModelPatch.WithoutNegativeBos(bytes)));
        var sp = SentencePieceTokenizer.Create(patched, false, false);
        bool nmt = SentencePieceModelPatch.NormalizerName(bytes)?.StartsWith("nmt_nfkc", StringComparison.Ordinal) == true;
        return new T5Tokenizer(sp, maxLength, padId, nmt);
    }

    /// <summary>SentencePiece ids of the prompt, without &lt;/s&gt;, untruncated (NMT control characters deleted first, as
    /// SentencePiece's nmt_nfkc rules do and Microsoft.ML.Tokenizers 2.0.1 does not).</summary>
    public IReadOnlyList<int> Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (_deleteNmtControls && prompt.Any(IsNmtControl)) prompt = new string(prompt.Where(c => !IsNmtControl(c)).ToArray());
        return _sp.EncodeToIds(prompt, addBeginningOfSentence: false, addEndOfSentence: false);
    }

    /// <summary>One row of <see cref="MaxLength"/> ids: pieces (truncated), &lt;/s&gt;, padding.</summary>
    public int[] EncodeRow(string prompt)
    {
        var pieces = Encode(prompt);
        int n = Math.Min(pieces.Count, MaxLength - 1);
        var row = new int[MaxLength];
        for (int i = 0; i < n; i++) row[i] = pieces[i];
        row[n] = EosId;
        for (int i = n + 1; i < MaxLength; i++) row[i] = PadId;
        return row;
    }

    /// <summary>Rows for a batch: ids [B, MaxLength] int64 on the CPU (a new tensor).</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var ids = new long[prompts.Count * MaxLength];
        for (int b = 0; b < prompts.Count; b++)
        {
            var row = EncodeRow(prompts[b]);
            for (int i = 0; i < MaxLength; i++) ids[b * MaxLength + i] = row[i];
        }
        return tensor(ids, [prompts.Count, MaxLength]);
    }

    private static bool IsNmtControl(char c) =>
        c is (>= '\u0001' and <= '\u0008') or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F' or '\u008F' or '\u009F';
}
