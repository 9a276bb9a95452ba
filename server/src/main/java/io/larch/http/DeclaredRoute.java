package io.larch.http;

/**
 * A route as {@link RouteTable} declared it: method, path (with {@code {param}} placeholders)
 * and the name of its {@link Access}. What the authorization matrix test walks.
 */
public record DeclaredRoute(String method, String path, String access) {
}
