using Jano.Core;
using Jano.Engine.Pipelines;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Engine.Pipelines.Dit;

/// <summary>Prompt → class id [1] for class-conditional models; the unconditional branch uses the null class.</summary>
public sealed class ClassLabelEncoder : IConditionEncoder
{
    private readonly IReadOnlyList<string> _names;
    private readonly Func<string, int> _lookup;
    private readonly int _nullClass;
    private readonly Device _device;

    public ClassLabelEncoder(IReadOnlyList<string> names, Func<string, int> lookup, int nullClass, Device device)
    {
        _names = names;
        _lookup = lookup;
        _nullClass = nullClass;
        _device = device;
    }

    public void CheckPrompt(string prompt, string? negativePrompt)
    {
        if (_lookup(prompt) < 0) throw new UsageException($"unknown prompt '{prompt}'; valid prompts: {string.Join(", ", _names)}");
        if (!string.IsNullOrWhiteSpace(negativePrompt))
            throw new UsageException("this class-conditional model has no negative prompts (its unconditional branch is the null class)");
    }

    public Tensor Encode(string prompt)
    {
        CheckPrompt(prompt, null);
        return torch.tensor(new long[] { _lookup(prompt) }, device: _device);
    }

    public Tensor EncodeUnconditional(string? negativePrompt)
    {
        if (!string.IsNullOrWhiteSpace(negativePrompt))
            throw new UsageException("this class-conditional model has no negative prompts (its unconditional branch is the null class)");
        return torch.tensor(new long[] { _nullClass }, device: _device);
    }
}
