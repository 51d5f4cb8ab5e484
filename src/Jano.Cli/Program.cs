Jano.Cli.CliOutput.Configure();
return Jano.Cli.CliApp.Run(args);
