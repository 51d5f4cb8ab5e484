namespace Jano.Cli;

/// <summary>Entry point of the <c>jano</c> command.</summary>
public static class CliApp
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("jano: not wired yet");
        return 2;
    }
}
