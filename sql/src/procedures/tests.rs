use super::*;

fn bind(sql: &str) -> SqlResult<BoundCall> {
    BoundCall::bind(parse_call(sql)?.ok_or_else(|| SqlError::general("not a call"))?)
}

#[test]
fn registry_is_sorted_and_self_consistent() {
    let names: Vec<&str> = all().iter().map(|p| p.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        names,
        [
            "AddGuests",
            "AddGuestsToSpace",
            "AddThreadComment",
            "AppsDeployStatus",
            "CreateApp",
            "DeleteGuests",
            "DeployApps",
            "DownloadFile",
            "GetOAuthAccessToken",
            "GetOAuthAuthorizationURL",
            "RefreshOAuthAccessToken",
            "UpdateAssignees",
            "UpdateStatus",
            "UpdateThread",
            "UploadFile"
        ]
    );
    // What ReadOnly refuses, and what a connection without a token may run.
    let writes: Vec<&str> = all().iter().filter(|p| p.writes).map(|p| p.name).collect();
    assert_eq!(
        writes,
        [
            "AddGuests",
            "AddGuestsToSpace",
            "AddThreadComment",
            "CreateApp",
            "DeleteGuests",
            "DeployApps",
            "UpdateAssignees",
            "UpdateStatus",
            "UpdateThread",
            "UploadFile"
        ]
    );
    let tokenless: Vec<&str> = all()
        .iter()
        .filter(|p| works_without_token(p))
        .map(|p| p.name)
        .collect();
    assert_eq!(
        tokenless,
        [
            "GetOAuthAccessToken",
            "GetOAuthAuthorizationURL",
            "RefreshOAuthAccessToken"
        ]
    );
    for p in all() {
        assert!(!p.columns.is_empty(), "{}", p.name);
        assert_eq!(p.schema().fields().len(), p.columns.len());
        for q in p.params {
            assert_eq!(
                p.param_index(q.name).map(|i| p.params[i].name),
                Some(q.name)
            );
        }
    }
    assert_eq!(
        find("getoauthauthorizationurl").map(|p| p.name),
        Some("GetOAuthAuthorizationURL")
    );
    assert!(find("nope").is_none());
}

#[test]
fn named_and_positional_arguments_fill_declared_parameters() {
    let b = bind("EXEC GetOAuthAccessToken Verifier=?, authmode='WEB', CallbackURL=?").unwrap();
    assert_eq!(b.param_count(), 2);
    assert_eq!(b.markers, vec![1, 2]);
    assert_eq!(
        b.param_types(),
        vec![Some(DataType::Utf8), Some(DataType::Utf8)]
    );
    let b = bind("{call GetOAuthAuthorizationURL(?, 'http://x/cb', ?)}").unwrap();
    assert_eq!(b.markers, vec![0, 2]);
    assert_eq!(
        b.display(),
        "EXEC GetOAuthAuthorizationURL AuthMode = ?, CallbackURL = 'http://x/cb', Scope = ?"
    );
}

#[test]
fn secret_literals_are_masked_in_display_debug_and_redact() {
    let sql = "EXEC RefreshOAuthAccessToken OAuthRefreshToken='tok-123'";
    let b = bind(sql).unwrap();
    assert_eq!(
        b.display(),
        "EXEC RefreshOAuthAccessToken OAuthRefreshToken = '***'"
    );
    assert!(!format!("{b:?}").contains("tok-123"));
    assert_eq!(
        redact(sql),
        "EXEC RefreshOAuthAccessToken OAuthRefreshToken = '***'"
    );
    assert_eq!(redact("SELECT 'x'"), "SELECT 'x'");
    assert!(
        !redact("EXEC RefreshOAuthAccessToken OAuthRefreshToken='tok-123' junk")
            .contains("tok-123")
    );
    assert!(!redact("EXEC RefreshOAuthAccessToken Nope='tok-123'").contains("tok-123"));
}

#[test]
fn unknown_procedures_and_parameters_are_named() {
    let e = bind("EXEC NoSuchProc a='1'").unwrap_err();
    assert_eq!(e.sqlstate, "42000");
    assert!(e.message.contains("'NoSuchProc'"), "{e}");
    assert!(
        e.message.contains("SQLProcedures and sys_procedures"),
        "{e}"
    );
    // Close names are suggested; the message stays short (pyodbc on iODBC drops long ones).
    let e = bind("EXEC UpdateThreads").unwrap_err();
    assert!(
        e.message.contains(
            "did you mean AddThreadComment, UpdateAssignees, UpdateStatus, UpdateThread?"
        ),
        "{e}"
    );
    assert!(e.message.len() < 200, "{e}");
    let e = bind("EXEC add_guest").unwrap_err();
    assert!(
        e.message
            .contains("did you mean AddGuests, AddGuestsToSpace, DeleteGuests?"),
        "{e}"
    );
    let e = bind("EXEC GetOAuthAuthorizationURL Colour='red'").unwrap_err();
    assert!(e.message.contains("no parameter 'Colour'"), "{e}");
    assert!(
        e.message.contains("AuthMode, CallbackURL, Scope, State"),
        "{e}"
    );
    let e = bind("{call RefreshOAuthAccessToken('a', 'b')}").unwrap_err();
    assert!(e.message.contains("at most 1 argument"), "{e}");
    let e = bind("EXEC GetOAuthAccessToken AuthMode='APP'").unwrap_err();
    assert_eq!(e.sqlstate, "42000");
    assert!(e.message.contains("needs parameter(s) Verifier"), "{e}");
    let e = bind("EXEC GetOAuthAccessToken Verifier='a', verifier='b'").unwrap_err();
    assert!(e.message.contains("Verifier is given twice"), "{e}");
}

#[test]
fn arguments_convert_to_their_types_and_hide_secrets_in_errors() {
    static P: Procedure = Procedure {
        name: "T",
        description: "",
        params: &[
            Param {
                name: "N",
                ty: SqlType::Integer,
                required: false,
                default: None,
                description: "",
                secret: false,
            },
            Param {
                name: "B",
                ty: SqlType::Boolean,
                required: false,
                default: None,
                description: "",
                secret: true,
            },
        ],
        columns: &[],
        writes: false,
        body: |_, _| Box::pin(async { Ok(Vec::new()) }),
    };
    let args = Args {
        proc: &P,
        values: vec![
            Some(ScalarValue::Utf8(Some(" 42 ".into()))),
            Some(ScalarValue::Utf8(Some("secret-x".into()))),
        ],
    };
    assert_eq!(args.integer("n").unwrap(), Some(42));
    assert_eq!(args.text("N").unwrap().as_deref(), Some(" 42 "));
    let e = args.boolean("B").unwrap_err();
    assert_eq!(e.sqlstate, "22018");
    assert!(!e.message.contains("secret-x"), "{e}");
    assert!(!format!("{args:?}").contains("secret-x"));
    let args = Args {
        proc: &P,
        values: vec![
            Some(ScalarValue::Int32(Some(7))),
            Some(ScalarValue::Utf8(Some("yes".into()))),
        ],
    };
    assert_eq!(args.integer("N").unwrap(), Some(7));
    assert_eq!(args.boolean("B").unwrap(), Some(true));
}

#[test]
fn guest_password_is_masked_in_display_debug_and_redact() {
    let sql = "EXEC AddGuests Code = 'g@example.com', Password = 'pw-guest-123', Timezone = 'UTC', Name = 'G'";
    let b = bind(sql).unwrap();
    assert_eq!(
        b.display(),
        "EXEC AddGuests Code = 'g@example.com', Password = '***', Timezone = 'UTC', Name = 'G'"
    );
    assert!(!format!("{b:?}").contains("pw-guest-123"));
    assert!(!redact(sql).contains("pw-guest-123"));
    let p = find("addguests").unwrap();
    assert!(p
        .params
        .iter()
        .any(|q| q.name == "Password" && q.secret && q.required));
    assert!(p.writes);
}

#[test]
fn space_procedures_name_their_missing_parameters() {
    for (sql, missing) in [
        ("EXEC AddThreadComment SpaceId = 1, Text = 'x'", "ThreadId"),
        ("EXEC AddThreadComment SpaceId = 1, ThreadId = 1", "Text"),
        ("EXEC UpdateThread Name = 'x'", "ThreadId"),
        (
            "EXEC AddGuests Code = 'a@b.c', Timezone = 'UTC'",
            "Password",
        ),
        ("EXEC AddGuestsToSpace SpaceId = 2", "Guests"),
        ("EXEC DeleteGuests", "Guests"),
    ] {
        let e = bind(sql).unwrap_err();
        assert_eq!(e.sqlstate, "42000", "{sql}");
        assert!(
            e.message.contains(&format!("needs parameter(s) {missing}")),
            "{sql}: {e}"
        );
    }
}
