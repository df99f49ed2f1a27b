//! Form fields (§7.3), layout (§7.4), views (§7.5), process management (§7.6).

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use crate::client::{Call, Client};
use crate::endpoints::{de_opt_u64, de_u64, from_value};
use crate::error::Result;

/// Booleans sometimes arrive as `"true"` strings; accept both.
fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::String(s) => match s.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// Numbers-as-strings that may be `""` (minLength, maxValue ...): kept as text.
fn de_opt_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OptionDef {
    #[serde(default)]
    pub label: String,
    #[serde(deserialize_with = "de_u64", default)]
    pub index: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RelatedApp {
    #[serde(default)]
    pub app: Value,
    #[serde(default)]
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FieldMapping {
    pub field: String,
    #[serde(rename = "relatedField")]
    pub related_field: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lookup {
    pub related_app: RelatedApp,
    pub related_key_field: String,
    #[serde(default)]
    pub field_mappings: Vec<FieldMapping>,
    #[serde(default)]
    pub lookup_picker_fields: Vec<String>,
    #[serde(default)]
    pub filter_cond: String,
    #[serde(default)]
    pub sort: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceTable {
    pub related_app: RelatedApp,
    #[serde(default)]
    pub condition: Value,
    #[serde(default)]
    pub filter_cond: String,
    #[serde(default)]
    pub display_fields: Vec<String>,
    #[serde(default)]
    pub sort: String,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub size: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EntityRef {
    pub code: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// One field definition, every property shape of §7.3 (absent properties are `None`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldProperty {
    #[serde(rename = "type")]
    pub field_type: String,
    pub code: String,
    #[serde(default)]
    pub label: String,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub no_label: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub required: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub unique: Option<bool>,
    /// String, list of strings, or list of entities depending on the type.
    #[serde(default)]
    pub default_value: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub default_now_value: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub min_length: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub max_length: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub min_value: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub max_value: Option<String>,
    #[serde(default)]
    pub expression: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub hide_expression: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub digit: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub display_scale: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub unit_position: Option<String>,
    /// CALC: NUMBER, NUMBER_DIGIT, DATETIME, DATE, TIME, HOUR_MINUTE, DAY_HOUR_MINUTE.
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub options: Option<IndexMap<String, OptionDef>>,
    #[serde(default)]
    pub align: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub thumbnail_size: Option<String>,
    #[serde(default)]
    pub entities: Option<Vec<EntityRef>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub open_group: Option<bool>,
    /// SUBTABLE: inner fields.
    #[serde(default)]
    pub fields: Option<IndexMap<String, FieldProperty>>,
    #[serde(default)]
    pub reference_table: Option<ReferenceTable>,
    #[serde(default)]
    pub lookup: Option<Lookup>,
    /// CATEGORY / STATUS / STATUS_ASSIGNEE.
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub enabled: Option<bool>,
}

impl FieldProperty {
    /// Options ordered by their `index`.
    pub fn ordered_options(&self) -> Vec<&str> {
        let mut v: Vec<(&str, u64)> = self
            .options
            .iter()
            .flat_map(|m| m.iter().map(|(k, o)| (k.as_str(), o.index)))
            .collect();
        v.sort_by_key(|(_, i)| *i);
        v.into_iter().map(|(k, _)| k).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FormFields {
    pub properties: IndexMap<String, FieldProperty>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub revision: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutField {
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub element_id: Option<String>,
    #[serde(default)]
    pub size: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct LayoutItem {
    /// ROW, SUBTABLE or GROUP.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub fields: Vec<LayoutField>,
    /// GROUP: its rows.
    #[serde(default)]
    pub layout: Vec<LayoutItem>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Layout {
    pub layout: Vec<LayoutItem>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub revision: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub id: Option<u64>,
    pub name: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub index: Option<u64>,
    #[serde(default)]
    pub filter_cond: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub builtin_type: Option<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub pager: Option<bool>,
    #[serde(default)]
    pub device: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Views {
    pub views: IndexMap<String, View>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub revision: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessState {
    pub name: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub index: Option<u64>,
    #[serde(default)]
    pub assignee: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessAction {
    pub name: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub filter_cond: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub executable_user: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProcessManagement {
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub enable: Option<bool>,
    /// `None` when Kintone sends `null` (distinct from `enable: false`, §7.6).
    #[serde(default)]
    pub states: Option<IndexMap<String, ProcessState>>,
    #[serde(default)]
    pub actions: Option<Vec<ProcessAction>>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub revision: Option<u64>,
}

impl Client {
    /// Field definitions; `lang` is `ja|en|zh|user|default`.
    pub async fn form_fields(&self, app: u64, lang: Option<&str>, preview: bool) -> Result<FormFields> {
        let mut p = json!({"app": app});
        if let Some(l) = lang {
            p["lang"] = json!(l);
        }
        let call = Call::get("app/form/fields", p).app(app).preview(preview);
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }

    pub async fn form_layout(&self, app: u64, preview: bool) -> Result<Layout> {
        let call = Call::get("app/form/layout", json!({"app": app})).app(app).preview(preview);
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }

    pub async fn views(&self, app: u64, lang: Option<&str>, preview: bool) -> Result<Views> {
        let mut p = json!({"app": app});
        if let Some(l) = lang {
            p["lang"] = json!(l);
        }
        let call = Call::get("app/views", p).app(app).preview(preview);
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }

    pub async fn process_management(
        &self,
        app: u64,
        lang: Option<&str>,
        preview: bool,
    ) -> Result<ProcessManagement> {
        let mut p = json!({"app": app});
        if let Some(l) = lang {
            p["lang"] = json!(l);
        }
        let call = Call::get("app/status", p).app(app).preview(preview);
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_property_shape_decodes() {
        let body = json!({"properties": {
            "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title", "noLabel": false,
                      "required": true, "unique": true, "minLength": "", "maxLength": "64",
                      "expression": "", "hideExpression": false, "defaultValue": ""},
            "amount": {"type": "NUMBER", "code": "amount", "label": "Amount", "minValue": "0",
                       "maxValue": "", "digit": true, "displayScale": "2", "unit": "$",
                       "unitPosition": "BEFORE", "defaultValue": "", "required": false, "unique": false},
            "total": {"type": "CALC", "code": "total", "label": "T", "expression": "amount*2",
                      "format": "NUMBER_DIGIT", "displayScale": "", "hideExpression": false},
            "kind": {"type": "RADIO_BUTTON", "code": "kind", "label": "K", "align": "HORIZONTAL",
                     "options": {"B": {"label": "B", "index": "1"}, "A": {"label": "A", "index": "0"}},
                     "defaultValue": "A", "required": true},
            "tags": {"type": "CHECK_BOX", "code": "tags", "label": "T", "defaultValue": ["A"],
                     "options": {"A": {"label": "A", "index": "0"}}},
            "files": {"type": "FILE", "code": "files", "label": "F", "thumbnailSize": "150"},
            "due": {"type": "DATE", "code": "due", "label": "D", "defaultNowValue": true, "unique": false},
            "owner": {"type": "USER_SELECT", "code": "owner", "label": "O",
                      "entities": [{"code": "sato", "type": "USER"}],
                      "defaultValue": [{"code": "LOGINUSER()", "type": "FUNCTION"}]},
            "grp": {"type": "GROUP", "code": "grp", "label": "G", "openGroup": true},
            "items": {"type": "SUBTABLE", "code": "items", "fields": {
                "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "N"},
                "qty": {"type": "NUMBER", "code": "qty", "label": "Q"}}},
            "ref": {"type": "REFERENCE_TABLE", "code": "ref", "label": "R", "referenceTable": {
                "relatedApp": {"app": "3", "code": ""}, "condition": {"field": "a", "relatedField": "b"},
                "filterCond": "", "displayFields": ["x"], "sort": "x asc", "size": "5"}},
            "cust": {"type": "SINGLE_LINE_TEXT", "code": "cust", "label": "C", "lookup": {
                "relatedApp": {"app": "4", "code": "CUST"}, "relatedKeyField": "code",
                "fieldMappings": [{"field": "cname", "relatedField": "name"}],
                "lookupPickerFields": ["code"], "filterCond": "", "sort": "レコード番号 desc"}},
            "st": {"type": "STATUS", "code": "ステータス", "label": "S", "enabled": false}
        }, "revision": "7"});
        let f: FormFields = serde_json::from_value(body).unwrap();
        assert_eq!(f.revision, Some(7));
        assert_eq!(f.properties.len(), 13);
        assert_eq!(f.properties["title"].max_length.as_deref(), Some("64"));
        assert_eq!(f.properties["title"].min_length, None);
        assert_eq!(f.properties["amount"].display_scale.as_deref(), Some("2"));
        assert_eq!(f.properties["total"].format.as_deref(), Some("NUMBER_DIGIT"));
        assert_eq!(f.properties["kind"].ordered_options(), vec!["A", "B"]);
        assert_eq!(f.properties["files"].thumbnail_size.as_deref(), Some("150"));
        assert_eq!(f.properties["owner"].entities.as_ref().unwrap()[0].code, "sato");
        let inner = f.properties["items"].fields.as_ref().unwrap();
        assert_eq!(inner["qty"].field_type, "NUMBER");
        assert_eq!(f.properties["ref"].reference_table.as_ref().unwrap().display_fields, vec!["x"]);
        let l = f.properties["cust"].lookup.as_ref().unwrap();
        assert_eq!(l.related_key_field, "code");
        assert_eq!(l.field_mappings[0].related_field, "name");
        assert_eq!(f.properties["st"].enabled, Some(false));
    }

    #[test]
    fn layout_views_process() {
        let l: Layout = serde_json::from_value(json!({"layout": [
            {"type": "ROW", "fields": [{"type": "SINGLE_LINE_TEXT", "code": "x", "size": {"width": "193"}},
                                        {"type": "LABEL", "label": "<b>l</b>", "size": {"width": "100"}},
                                        {"type": "SPACER", "elementId": "sp1", "size": {"width": "1", "height": "2"}}]},
            {"type": "SUBTABLE", "code": "items", "fields": [{"type": "NUMBER", "code": "qty"}]},
            {"type": "GROUP", "code": "g", "layout": [{"type": "ROW", "fields": [{"type": "HR", "size": {}}]}]}
        ], "revision": "2"})).unwrap();
        assert_eq!(l.layout[2].layout[0].fields[0].field_type, "HR");
        assert_eq!(l.layout[0].fields[2].element_id.as_deref(), Some("sp1"));
        let v: Views = serde_json::from_value(json!({"views": {"All": {"type": "LIST", "id": "1",
            "name": "All", "index": "0", "filterCond": "", "sort": "$id desc", "fields": ["a"]}},
            "revision": "3"})).unwrap();
        assert_eq!(v.views["All"].id, Some(1));
        let p: ProcessManagement = serde_json::from_value(json!({"enable": true, "states": {
            "New": {"name": "New", "index": "0", "assignee": {"type": "ONE", "entities": []}}},
            "actions": [{"name": "Start", "from": "New", "to": "Doing", "filterCond": "", "type": "PRIMARY"}],
            "revision": "4"})).unwrap();
        assert_eq!(p.actions.unwrap()[0].to, "Doing");
        let p: ProcessManagement =
            serde_json::from_value(json!({"enable": false, "states": null, "actions": null, "revision": "1"}))
                .unwrap();
        assert!(p.states.is_none());
    }
}
