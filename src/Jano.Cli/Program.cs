return Jano.Cli.CliApp.Run(args);
