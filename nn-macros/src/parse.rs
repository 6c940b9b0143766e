//! Parsing. The grammar, in full:
//!
//! ```text
//! invocation := network*
//! network    := attribute* visibility "struct" IDENT "=" layer ("," layer)* ","? ";"
//! layer      := (IDENT ":")? IDENT ("<" (arg ("," arg)* ","?)? ">")?
//! arg        := IDENT "=" value | value
//! value      := "-"? INT | "-"? FLOAT | "true" | "false" | "_" | "(" value ("," value)* ")"
//!             | path ("(" (value ("," value)*)? ")")? | layer | "[" (layer ("," layer)* ","?)? "]"
//! ```
//!
//! Parsing is permissive about names (any identifier may be a layer kind, an option or an
//! activation); `check` judges them, so that every mistake is reported at once. A declaration
//! that does not parse is skipped up to its `;` and the next one is still parsed.

use proc_macro2::{Span, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, Path, Token, Visibility};

use crate::ast::{Arg, Invocation, LayerDecl, NetworkDecl, SpanRange, Value};

impl Parse for Invocation {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut networks = Vec::new();
        let mut errors = Vec::new();
        if input.is_empty() {
            errors.push(syn::Error::new(
                Span::call_site(),
                "expected a network declaration: `pub struct Name = Dense<2, 1>;`",
            ));
        }
        while !input.is_empty() {
            let fork = input.fork();
            match fork.parse::<NetworkDecl>() {
                Ok(network) => {
                    syn::parse::discouraged::Speculative::advance_to(input, &fork);
                    networks.push(network);
                }
                Err(error) => {
                    errors.push(error);
                    skip_past_semicolon(input)?;
                }
            }
        }
        Ok(Invocation { networks, errors })
    }
}

/// Skips tokens up to and including the next top-level `;`.
fn skip_past_semicolon(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() {
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            break;
        }
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

impl Parse for NetworkDecl {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `struct`: a network is declared as `pub struct Name = Dense<2, 1>;`",
            )
        })?;
        if input.peek(Token![=]) {
            return Err(input.error("missing network name: write `struct Name = ...`"));
        }
        let ident: Ident = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), "expected the network's name after `struct`"))?;
        if input.peek(Token![<]) {
            return Err(input.error(
                "a network takes no generic parameters: it is generic over its scalar type \
                 already (`Name<f64>`)",
            ));
        }
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `=` and the layers after `struct {ident}`"),
            )
        })?;
        let mut layers = Vec::new();
        if input.peek(Token![;]) {
            return Err(input.error(format!(
                "`{ident}` has no layers: list at least one, such as `Dense<2, 1>`"
            )));
        }
        loop {
            layers.push(input.parse::<LayerDecl>()?);
            if input.peek(Token![;]) {
                break;
            }
            input.parse::<Token![,]>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected `,` between layers or `;` after the last one",
                )
            })?;
            if input.peek(Token![;]) {
                break;
            }
        }
        input.parse::<Token![;]>()?;
        Ok(NetworkDecl {
            attrs,
            vis,
            ident,
            layers,
        })
    }
}

impl Parse for LayerDecl {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let start = input.span();
        let name = if input.peek(Ident) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            Some(name)
        } else {
            None
        };
        let kind: Ident = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), "expected a layer, such as `Dense<2, 1>`"))?;
        let mut end = kind.span();
        let mut args = Vec::new();
        if input.peek(Token![<]) {
            input.parse::<Token![<]>()?;
            while !input.peek(Token![>]) {
                args.push(input.parse::<Arg>()?);
                if input.peek(Token![>]) {
                    break;
                }
                input.parse::<Token![,]>().map_err(|e| {
                    syn::Error::new(e.span(), "expected `,` or `>` after a layer argument")
                })?;
            }
            end = input.parse::<Token![>]>()?.span;
        }
        let span = SpanRange::new(start, end);
        Ok(LayerDecl {
            name,
            kind,
            args,
            span,
        })
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Named {
                key,
                value: input.parse()?,
            })
        } else {
            Ok(Arg::Positional(input.parse()?))
        }
    }
}

impl Parse for Value {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(Token![-]) {
            let minus: Token![-] = input.parse()?;
            if input.peek(syn::LitInt) {
                return Ok(Value::NegInt {
                    minus,
                    lit: input.parse()?,
                });
            }
            return Ok(Value::Float {
                minus: Some(minus),
                lit: input.parse()?,
            });
        }
        if lookahead.peek(syn::LitInt) {
            return Ok(Value::Int(input.parse()?));
        }
        if lookahead.peek(syn::LitFloat) {
            return Ok(Value::Float {
                minus: None,
                lit: input.parse()?,
            });
        }
        if lookahead.peek(syn::LitBool) {
            return Ok(Value::Bool(input.parse()?));
        }
        if lookahead.peek(Token![_]) {
            return Ok(Value::Infer(input.parse()?));
        }
        if lookahead.peek(syn::token::Paren) {
            let content;
            let parens = syn::parenthesized!(content in input);
            let values = content.parse_terminated(Value::parse, Token![,])?;
            let span = SpanRange::new(parens.span.open(), parens.span.close());
            return Ok(Value::Tuple {
                values: values.into_iter().collect(),
                span,
            });
        }
        if input.peek(Ident) && input.peek2(Token![<]) {
            return Ok(Value::Layer(Box::new(input.parse()?)));
        }
        if lookahead.peek(syn::token::Bracket) {
            let content;
            let brackets = syn::bracketed!(content in input);
            let layers = content.parse_terminated(LayerDecl::parse, Token![,])?;
            let span = SpanRange::new(brackets.span.open(), brackets.span.close());
            return Ok(Value::Branch {
                layers: layers.into_iter().collect(),
                span,
            });
        }
        if lookahead.peek(Ident)
            || lookahead.peek(Token![::])
            || lookahead.peek(Token![crate])
            || lookahead.peek(Token![self])
            || lookahead.peek(Token![super])
        {
            let path = Path::parse_mod_style(input)?;
            let mut end = path
                .segments
                .last()
                .map_or(Span::call_site(), |s| s.ident.span());
            let args = if input.peek(syn::token::Paren) {
                let content;
                let parens = syn::parenthesized!(content in input);
                end = parens.span.close();
                let values = content.parse_terminated(Value::parse, Token![,])?;
                Some(values.into_iter().collect())
            } else {
                None
            };
            let start = path.segments.first().map_or(end, |s| s.ident.span());
            return Ok(Value::Path {
                path,
                args,
                span: SpanRange::new(start, end),
            });
        }
        Err(lookahead.error())
    }
}
