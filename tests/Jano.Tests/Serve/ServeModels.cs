using Jano.Server.Workers;
using Jano.Tests.Cli;
using Jano.Tests.Wan;

namespace Jano.Tests.Serve;

/// <summary>The models the in-process servers hold, loaded once for the suite: the two catalog Fashion-MNIST models and a
/// tiny Wan2.1 folder given as a <c>--model-dir</c> (named by its folder, <c>wan-tiny</c>).</summary>
public sealed class ServeModels : IDisposable
{
    public ServeModels()
    {
        Root = CliRunner.TempDir();
        WanDir = WanTinyFolder.Create(Root, "wan-tiny");
        Host = ModelHost.Load(["fmnist-image", "fmnist-video"], [WanDir], new JanoLoadOptions());
    }

    public string Root { get; }

    public string WanDir { get; }

    public ModelHost Host { get; }

    public void Dispose()
    {
        Host.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
