//! The directory objects in the cache's binary form. `OnPremObject` and `CloudObject` already
//! deserialize from bundle JSON (`crate::bundle`), so their binary form is a serde "remote"
//! definition: the compiler checks that it names every field (a field added to the model and
//! not here does not build).

use crate::anchor::Anchor;
use crate::model::{CloudObject, Extra, ObjectKind, OnPremObject, ProvisioningError, Shared, Text};
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

#[derive(Serialize, Deserialize)]
#[serde(remote = "OnPremObject")]
struct OnPremDef {
    object_class: ObjectKind,
    object_guid: Uuid,
    distinguished_name: Text,
    sam_account_name: Option<Text>,
    user_principal_name: Option<Text>,
    mail: Option<Text>,
    proxy_addresses: Vec<Text>,
    display_name: Option<Text>,
    consistency_guid: Option<Anchor>,
    group_type: Option<i64>,
    object_sid: Option<Text>,
    mail_nickname: Option<Text>,
    extra: Extra,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "CloudObject")]
struct CloudDef {
    id: Uuid,
    object_type: ObjectKind,
    display_name: Option<Text>,
    user_principal_name: Option<Text>,
    mail: Option<Text>,
    mail_nickname: Option<Text>,
    proxy_addresses: Vec<Text>,
    on_premises_immutable_id: Option<Text>,
    on_premises_sync_enabled: Option<bool>,
    on_premises_security_identifier: Option<Text>,
    on_premises_object_identifier: Option<Text>,
    assigned_licenses: Vec<Text>,
    directory_roles: Vec<Text>,
    eligible_directory_roles: Vec<Text>,
    deleted_date_time: Option<Text>,
    on_premises_provisioning_errors: Vec<ProvisioningError>,
    mail_enabled: Option<bool>,
    security_enabled: Option<bool>,
    group_types: Vec<Text>,
    extra: Extra,
}

/// A run of objects as written: borrowed from the bundle.
pub struct Out<'a, T>(pub &'a [Shared<T>]);

/// A run of objects as read.
pub struct In<T>(pub Vec<Shared<T>>);

macro_rules! binary_form {
    ($object:ty, $def:ident) => {
        impl Serialize for Out<'_, $object> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                struct One<'a>(&'a $object);
                impl Serialize for One<'_> {
                    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        $def::serialize(self.0, s)
                    }
                }
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for o in self.0 {
                    seq.serialize_element(&One(o))?;
                }
                seq.end()
            }
        }

        impl<'de> Deserialize<'de> for In<$object> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct One($object);
                impl<'de> Deserialize<'de> for One {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        $def::deserialize(d).map(One)
                    }
                }
                struct Objects;
                impl<'de> Visitor<'de> for Objects {
                    type Value = Vec<Shared<$object>>;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a run of directory objects")
                    }
                    fn visit_seq<A: SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        // The length is the file's word: a section holds at most CHUNK objects.
                        let n = seq.size_hint().unwrap_or(0).min(super::CHUNK);
                        let mut out = Vec::with_capacity(n);
                        while let Some(One(o)) = seq.next_element()? {
                            out.push(Shared::new(o));
                        }
                        Ok(out)
                    }
                }
                d.deserialize_seq(Objects).map(In)
            }
        }
    };
}

binary_form!(OnPremObject, OnPremDef);
binary_form!(CloudObject, CloudDef);
