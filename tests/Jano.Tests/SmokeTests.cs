using TorchSharp;
using Xunit;

namespace Jano.Tests;

public class SmokeTests
{
    [Fact]
    public void LibTorchLoadsAndMultiplies()
    {
        using var a = torch.ones(2, 3);
        using var b = torch.ones(3, 4);
        using var c = torch.matmul(a, b);
        Assert.Equal(3.0f, c[1, 2].item<float>());
    }
}
