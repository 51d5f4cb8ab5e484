using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>T5 bidirectional relative-position bias: a learned [num_buckets, heads] table indexed by the log-spaced
/// bucket of (key − query). Key: <c>pos_embedding.embedding</c>.</summary>
public sealed class T5RelativeEmbedding : nn.Module
{
    private readonly int _buckets;
    private readonly int _maxDist;
    private readonly Embedding embedding;

    /// <summary>Creates the table.</summary>
    public T5RelativeEmbedding(int numBuckets, int heads, int maxDist, Device? device, ScalarType? dtype) : base(nameof(T5RelativeEmbedding))
    {
        _buckets = numBuckets;
        _maxDist = maxDist;
        embedding = nn.Embedding(numBuckets, heads, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Bias for lq queries and lk keys: [1, H, lq, lk] in the table's dtype.</summary>
    public Tensor Forward(long lq, long lk)
    {
        using var scope = NewDisposeScope();
        var device = embedding.weight!.device;
        var rel = torch.arange(lk, dtype: ScalarType.Int64, device: device).unsqueeze(0)
            .sub(torch.arange(lq, dtype: ScalarType.Int64, device: device).unsqueeze(1)); // [lq, lk]
        var buckets = Bucket(rel, _buckets, _maxDist);
        return embedding.call(buckets).permute(2, 0, 1).unsqueeze(0).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The official bidirectional <c>_relative_position_bucket</c> (same fp32 ops, truncation to int64).</summary>
    public static Tensor Bucket(Tensor relPos, int numBuckets, int maxDist)
    {
        using var scope = NewDisposeScope();
        long half = numBuckets / 2;
        var buckets = relPos.gt(0).to(ScalarType.Int64).mul(half);
        var dist = relPos.abs();
        long maxExact = half / 2;
        var large = dist.to(ScalarType.Float32).div(maxExact).log()
            .div(Math.Log((double)maxDist / maxExact)).mul(half - maxExact).to(ScalarType.Int64).add(maxExact);
        large = torch.minimum(large, torch.full_like(large, half - 1));
        return buckets.Plus(torch.where(dist.lt(maxExact), dist, large)).MoveToOuterDisposeScope();
    }
}
