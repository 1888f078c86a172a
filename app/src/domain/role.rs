//! Who may do what. Every server function asks these rules; none decides on its own.

use serde::{Deserialize, Serialize};

/// The border agencies whose officers work the gate. Each decides only its own part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agency {
    Customs,
    BorderGuard,
    Quarantine,
    TrafficPolice,
}

impl Agency {
    pub const ALL: [Agency; 4] = [
        Agency::Customs,
        Agency::BorderGuard,
        Agency::Quarantine,
        Agency::TrafficPolice,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Agency::Customs => "customs",
            Agency::BorderGuard => "border_guard",
            Agency::Quarantine => "quarantine",
            Agency::TrafficPolice => "traffic_police",
        }
    }

    pub fn from_code(code: &str) -> Option<Agency> {
        Agency::ALL.into_iter().find(|agency| agency.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Registers the firm, manages its people and everything a clerk does.
    FirmAdmin,
    /// Manages the fleet, declares trips and books slots for the firm.
    FirmClerk,
    /// Drives the firm's trucks; signs in by phone; sees the trips they drive.
    Driver,
    Officer(Agency),
    /// Sets a gate's capacity plan.
    GateAdmin,
    PlatformAdmin,
}

impl Role {
    /// The `role` column.
    pub fn code(self) -> &'static str {
        match self {
            Role::FirmAdmin => "firm_admin",
            Role::FirmClerk => "firm_clerk",
            Role::Driver => "driver",
            Role::Officer(_) => "officer",
            Role::GateAdmin => "gate_admin",
            Role::PlatformAdmin => "platform_admin",
        }
    }

    /// The `agency` column: only officers have one.
    pub fn agency(self) -> Option<Agency> {
        match self {
            Role::Officer(agency) => Some(agency),
            _ => None,
        }
    }

    pub fn from_columns(role: &str, agency: Option<&str>) -> Option<Role> {
        match (role, agency) {
            ("firm_admin", None) => Some(Role::FirmAdmin),
            ("firm_clerk", None) => Some(Role::FirmClerk),
            ("driver", None) => Some(Role::Driver),
            ("officer", Some(agency)) => Agency::from_code(agency).map(Role::Officer),
            ("gate_admin", None) => Some(Role::GateAdmin),
            ("platform_admin", None) => Some(Role::PlatformAdmin),
            _ => None,
        }
    }

    /// Firm roles act for exactly one firm and see only its data.
    pub fn belongs_to_firm(self) -> bool {
        matches!(self, Role::FirmAdmin | Role::FirmClerk | Role::Driver)
    }

    pub fn manages_people(self) -> bool {
        self == Role::FirmAdmin
    }

    pub fn manages_fleet(self) -> bool {
        matches!(self, Role::FirmAdmin | Role::FirmClerk)
    }

    /// Declares and books trips: the office for all the firm's trips, a driver for the
    /// trips they drive.
    pub fn declares_trips(self) -> bool {
        matches!(self, Role::FirmAdmin | Role::FirmClerk | Role::Driver)
    }

    /// Sets a gate's capacity plan.
    pub fn plans_gates(self) -> bool {
        matches!(self, Role::GateAdmin | Role::PlatformAdmin)
    }

    /// Which accounts this role may create inside its own firm.
    pub fn may_create(self, new_role: Role) -> bool {
        match self {
            Role::FirmAdmin => matches!(new_role, Role::FirmAdmin | Role::FirmClerk | Role::Driver),
            Role::PlatformAdmin => matches!(
                new_role,
                Role::Officer(_) | Role::GateAdmin | Role::PlatformAdmin
            ),
            _ => false,
        }
    }

    /// Officers and admins decide at the border and set its capacity: a stolen password
    /// alone must not be enough (ASVS level 2), so they sign in with a second factor.
    pub fn requires_second_factor(self) -> bool {
        matches!(
            self,
            Role::Officer(_) | Role::GateAdmin | Role::PlatformAdmin
        )
    }

    /// Whose forgotten password this role may reset with a one-time code: a firm admin
    /// anyone of the firm (the firm is checked where the person is looked up), a gate
    /// admin the officers (posted at a gate they run, checked likewise), a platform
    /// admin officers and gate admins. Clerks and drivers reset nobody's; nobody resets
    /// a platform admin's (another platform admin changes it in the database).
    pub fn may_reset_password_of(self, person: Role) -> bool {
        match self {
            Role::FirmAdmin => person.belongs_to_firm(),
            Role::GateAdmin => matches!(person, Role::Officer(_)),
            Role::PlatformAdmin => matches!(person, Role::Officer(_) | Role::GateAdmin),
            _ => false,
        }
    }

    /// Where this role lands after signing in.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::FirmAdmin | Role::FirmClerk | Role::Driver => "/trips",
            Role::GateAdmin | Role::PlatformAdmin => "/gates",
            Role::Officer(_) => "/console",
        }
    }

    /// Works the officers' console of the gates it is posted at.
    pub fn works_console(self) -> bool {
        matches!(self, Role::Officer(_))
    }

    /// The roles a firm admin can give from the people page, in the order offered.
    pub const FIRM_ROLES: [Role; 3] = [Role::FirmClerk, Role::Driver, Role::FirmAdmin];

    /// Parses the `role` field of the add-person form (firm roles only).
    pub fn from_firm_form(code: &str) -> Option<Role> {
        Role::FIRM_ROLES
            .into_iter()
            .find(|role| role.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_ROLE: [Role; 9] = [
        Role::FirmAdmin,
        Role::FirmClerk,
        Role::Driver,
        Role::Officer(Agency::Customs),
        Role::Officer(Agency::BorderGuard),
        Role::Officer(Agency::Quarantine),
        Role::Officer(Agency::TrafficPolice),
        Role::GateAdmin,
        Role::PlatformAdmin,
    ];

    #[test]
    fn columns_round_trip() {
        for role in EVERY_ROLE {
            assert_eq!(
                Role::from_columns(role.code(), role.agency().map(Agency::code)),
                Some(role)
            );
        }
        assert_eq!(
            Role::from_columns("officer", None),
            None,
            "an officer needs an agency"
        );
        assert_eq!(
            Role::from_columns("driver", Some("customs")),
            None,
            "only officers have an agency"
        );
        assert_eq!(Role::from_columns("officer", Some("navy")), None);
    }

    #[test]
    fn only_firm_roles_belong_to_a_firm() {
        let firm_roles: Vec<_> = EVERY_ROLE
            .into_iter()
            .filter(|role| role.belongs_to_firm())
            .collect();
        assert_eq!(firm_roles, [Role::FirmAdmin, Role::FirmClerk, Role::Driver]);
    }

    #[test]
    fn admins_manage_people_clerks_manage_fleet_drivers_neither() {
        assert!(Role::FirmAdmin.manages_people() && Role::FirmAdmin.manages_fleet());
        assert!(!Role::FirmClerk.manages_people() && Role::FirmClerk.manages_fleet());
        assert!(!Role::Driver.manages_people() && !Role::Driver.manages_fleet());
        for role in EVERY_ROLE
            .into_iter()
            .filter(|role| !role.belongs_to_firm())
        {
            assert!(
                !role.manages_fleet(),
                "{role:?} must not touch a firm's fleet"
            );
            assert!(
                !role.manages_people(),
                "{role:?} must not touch a firm's people"
            );
        }
    }

    #[test]
    fn who_creates_whom() {
        for new_role in EVERY_ROLE {
            assert_eq!(
                Role::FirmAdmin.may_create(new_role),
                new_role.belongs_to_firm(),
                "firm admin creating {new_role:?}"
            );
            assert!(
                !Role::FirmClerk.may_create(new_role),
                "a clerk creates nobody"
            );
            assert!(!Role::Driver.may_create(new_role));
            assert_eq!(
                Role::PlatformAdmin.may_create(new_role),
                !new_role.belongs_to_firm(),
                "platform admin creating {new_role:?}"
            );
        }
    }

    #[test]
    fn who_needs_a_second_factor() {
        let required: Vec<_> = EVERY_ROLE
            .into_iter()
            .filter(|role| role.requires_second_factor())
            .collect();
        assert_eq!(
            required.len(),
            6,
            "every officer, gate admin, platform admin"
        );
        assert!(required.iter().all(|role| !role.belongs_to_firm()));
    }

    #[test]
    fn who_resets_whose_password() {
        for person in EVERY_ROLE {
            assert_eq!(
                Role::FirmAdmin.may_reset_password_of(person),
                person.belongs_to_firm(),
                "firm admin resetting {person:?}"
            );
            assert!(
                !Role::FirmClerk.may_reset_password_of(person),
                "a clerk resets nobody's"
            );
            assert!(!Role::Driver.may_reset_password_of(person));
            assert_eq!(
                Role::GateAdmin.may_reset_password_of(person),
                person.works_console()
            );
            assert_eq!(
                Role::PlatformAdmin.may_reset_password_of(person),
                person.works_console() || person == Role::GateAdmin
            );
            assert!(!person.may_reset_password_of(Role::PlatformAdmin));
        }
    }

    #[test]
    fn the_people_form_offers_only_firm_roles() {
        assert_eq!(Role::from_firm_form("driver"), Some(Role::Driver));
        assert_eq!(Role::from_firm_form("platform_admin"), None);
        assert_eq!(Role::from_firm_form("officer"), None);
    }
}
