global using Microsoft.AspNetCore.Builder;
global using Microsoft.Extensions.DependencyInjection;
global using Xunit;
global using ActorStreams.TestSupport;
