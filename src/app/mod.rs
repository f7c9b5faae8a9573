//! The eframe application: screens, per-frame logic (clock, live refresh,
//! ticks, repaint scheduling), and applying the UI's intents through the
//! service.
//!
//! Architecture invariants:
//! - the clock is read once per frame, in `logic`, and that instant is used
//!   for everything in the frame;
//! - no SQL runs on a frame where nothing changed: data is loaded on intents,
//!   when the change watcher saw another commit, or when a deadline passed;
//! - the window repaints only when something will look different: the next
//!   countdown second, the next deadline, or a change from another process.

mod appearance;
pub mod audit_watch;
mod idle;
mod job;
mod main_state;
pub mod present;
pub mod script;
pub mod view;
mod watcher;

use crate::domain::clock::Clock;
use crate::domain::user::NewUser;
use crate::domain::{DomainError, Field, FieldErrors, Span, Timestamp};
use crate::platform::clipboard::Clipboard;
use crate::platform::keyfile::key_file_for;
use crate::platform::keyring::Keyring;
use crate::platform::launcher::Launcher;
use crate::platform::notifier::Notifier;
use crate::platform::preferences::PreferencesFile;
use crate::platform::screen_lock::ScreenLock;
use crate::platform::theme::DesktopTheme;
use crate::platform::witness::Witness;
use crate::service::{
    Contents, HashCost, ServiceError, Session, Workspace, demo, unfinished_creation,
};
use crate::store::postgres::PgTarget;
use appearance::Appearance;
pub use appearance::theme_preference;

/// The application's id on the desktop: the window's app id (Wayland) and
/// class (X11), the launcher's file name (`packaging/APP_ID.desktop`) and its
/// `StartupWMClass`, the AppStream id and the icon's name, so that a desktop
/// matches the window to its launcher and icon. `tests/packaging.rs` checks
/// that they agree.
pub const APP_ID: &str = "org.latchkey.Latchkey";
use audit_watch::AuditWatch;
pub use main_state::MainState;
use std::path::PathBuf;
use std::sync::Arc;
use view::forms::{Dialog, FirstStartForm, SignInForm};
use view::intent::{
    AccessIntent, AdminIntent, ApprovalIntent, AuditIntent, EditIntent, ImportIntent, Intent,
    NotificationsIntent, PreferencesIntent, RequestsIntent, SearchIntent, StartIntent, VaultIntent,
};
use view::screen::{AuditView, ScreenView, SignInView};

/// How long the window's own operations wait for another program's write
/// lock. Latchkey's transactions last milliseconds, so this covers a second
/// window on the same file; a longer lock is reported and retried instead of
/// freezing the window.
pub(crate) const WINDOW_LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// The services the application needs from its surroundings.
#[derive(Clone)]
pub struct AppEnv {
    /// The one clock.
    pub clock: Arc<dyn Clock>,
    /// The OS keyring, or a test one.
    pub keyring: Arc<dyn Keyring>,
    /// Starts connection programs.
    pub launcher: Arc<dyn Launcher>,
    /// The clipboard (read back so only what Latchkey copied is cleared).
    pub clipboard: Arc<dyn Clipboard>,
    /// Cost of new password hashes.
    pub hash_cost: HashCost,
    /// Remembers each workspace's audit head outside the file (R-BEY-12).
    pub witness: Arc<dyn Witness>,
    /// Shows desktop notifications (R-NOT-2), or says why it cannot (R-NOT-3).
    pub notifier: Arc<dyn Notifier>,
}

/// Where the workspace comes from.
pub enum WorkspaceSource {
    /// A file (created at first start if missing).
    File(PathBuf),
    /// An already open workspace (tests).
    Open(Box<Workspace>),
    /// A PostgreSQL workspace (R-BEY-10): signing in is connecting.
    Server(Box<PgTarget>),
}

/// Start-up options (R-DSK-2).
pub struct AppOptions {
    /// The workspace.
    pub source: WorkspaceSource,
    /// Pre-fills the sign-in (`--user`).
    pub user: Option<String>,
    /// Create the demo workspace if the file does not exist (`--demo`).
    pub demo: bool,
}

/// What the window shows.
pub enum Screen {
    /// No workspace yet: demo or empty (R-DSK-1).
    FirstStart,
    /// Sign in to an open workspace.
    SignIn(Box<SignInState>),
    /// Signed in.
    Main(Box<MainState>),
    /// The workspace cannot be opened; says why.
    Unavailable(String),
}

/// The sign-in screen's data.
pub struct SignInState {
    /// Where signing in goes.
    pub to: SignInTo,
    /// What the screen shows: its name and demo users.
    pub view: SignInView,
}

/// Where a sign-in goes.
pub enum SignInTo {
    /// An open workspace (a file): the service checks the password.
    Open(Workspace),
    /// A PostgreSQL workspace: the server checks the password when the
    /// user's connection opens, and the workspace is opened by it.
    Server(Box<PgTarget>),
}

/// The Latchkey window.
pub struct LatchkeyApp {
    env: AppEnv,
    path: Option<PathBuf>,
    /// The PostgreSQL workspace, when the window works on one.
    server: Option<PgTarget>,
    /// How far the database server's clock is ahead of this computer's,
    /// measured at sign-in: the window's instant follows the server's, whose
    /// clock ends access (R-BEY-9). Zero for a file workspace.
    clock_offset: Span,
    /// What is shown.
    pub screen: Screen,
    /// The first-start form.
    pub first_start: FirstStartForm,
    /// The sign-in form.
    pub sign_in: SignInForm,
    title: String,
    /// The instant of the current frame, read once in `logic`.
    frame_now: Timestamp,
    /// What is known of the audit chain (R-AUD-2, R-BEY-12).
    audit: AuditWatch,
    /// Styles, and light or dark as chosen (R-DSK-3).
    appearance: Appearance,
    /// Scripted control for the desktop integration test (`test-hooks` builds).
    script: Option<script::Script>,
    /// When the person last did something, and what they were typing when
    /// the window locked itself.
    idle: idle::IdleLock,
    /// Tells when the desktop locked the screen (the window locks too).
    screen_lock: ScreenLock,
}

impl LatchkeyApp {
    /// Opens the workspace (or offers to create one) and shows the first screen.
    pub fn new(env: AppEnv, options: AppOptions) -> LatchkeyApp {
        let sign_in = SignInForm {
            username: options.user.clone().unwrap_or_default(),
            focus_password: options.user.is_some(),
            ..SignInForm::default()
        };
        let frame_now = env.clock.now();
        let audit = AuditWatch::new(Arc::clone(&env.witness));
        let mut app = LatchkeyApp {
            env,
            path: None,
            server: None,
            clock_offset: Span::ZERO,
            screen: Screen::FirstStart,
            first_start: FirstStartForm::default(),
            sign_in,
            title: String::new(),
            frame_now,
            audit,
            appearance: Appearance::default(),
            script: None,
            idle: idle::IdleLock::new(frame_now),
            screen_lock: ScreenLock::silent(),
        };
        match options.source {
            WorkspaceSource::Open(mut workspace) => {
                app.audit.verify_now(&mut workspace);
                app.screen = app.sign_in_screen(*workspace);
            }
            WorkspaceSource::Server(target) => {
                app.server = Some((*target).clone());
                app.screen = Self::server_sign_in_screen(*target);
            }
            WorkspaceSource::File(path) => {
                app.path = Some(path.clone());
                if path.exists() {
                    app.screen = match app.open_file() {
                        Ok(workspace) => {
                            app.audit.verify_file_later(path);
                            app.sign_in_screen(workspace)
                        }
                        Err(e) => Screen::Unavailable(e.to_string()),
                    };
                } else {
                    // What an interrupted creation left is named, and removed
                    // by the creation the person starts here.
                    app.first_start.notice = unfinished_creation(&path);
                    if options.demo {
                        app.apply_first_start(StartIntent::CreateDemoWorkspace);
                    }
                }
            }
        }
        app
    }

    /// Reads the person's preferences from `file` and remembers changes
    /// there (without it, a choice lasts until the window closes).
    pub fn with_preferences(mut self, file: PreferencesFile) -> LatchkeyApp {
        self.appearance.use_file(file);
        self
    }

    /// Follows the desktop's light or dark preference (without it, egui's
    /// idea of the system theme).
    pub fn with_desktop_theme(mut self, desktop: DesktopTheme) -> LatchkeyApp {
        self.appearance.follow(desktop);
        self
    }

    /// Locks the window when the desktop locks the screen.
    pub fn with_screen_lock(mut self, screen_lock: ScreenLock) -> LatchkeyApp {
        self.screen_lock = screen_lock;
        self
    }

    /// Takes commands from a script and reports what is shown (only in
    /// builds with the `test-hooks` feature; see `app::script`).
    pub fn with_script(mut self, script: script::Script) -> LatchkeyApp {
        if script::COMPILED_IN {
            self.script = Some(script);
        }
        self
    }

    /// The theme the person chose (R-DSK-3).
    pub fn theme_choice(&self) -> crate::domain::preferences::ThemeChoice {
        self.appearance.choice()
    }

    /// Why the preferences file could not be read (the defaults are used).
    pub fn preferences_problem(&self) -> Option<&str> {
        self.appearance.problem()
    }

    /// The workspace file, if any.
    pub fn path(&self) -> Option<&PathBuf> {
        self.path.as_ref()
    }

    /// Why the audit log cannot be trusted (broken, or no longer extending
    /// what this computer saw), to be shown loudly.
    pub fn audit_problem(&self) -> Option<&str> {
        self.audit.problem()
    }

    /// A note that the audit check was weaker than usual.
    pub fn audit_note(&self) -> Option<&str> {
        self.audit.note()
    }

    fn workspace_mut(screen: &mut Screen) -> Option<&mut Workspace> {
        match screen {
            Screen::SignIn(state) => match &mut state.to {
                SignInTo::Open(workspace) => Some(workspace),
                SignInTo::Server(_) => None,
            },
            Screen::Main(main) => Some(main.workspace()),
            Screen::FirstStart | Screen::Unavailable(_) => None,
        }
    }

    fn open_file(&self) -> Result<Workspace, ServiceError> {
        let path = self
            .path
            .clone()
            .ok_or_else(|| ServiceError::NotFound("no workspace file".into()))?;
        Workspace::open_file(&path, self.env.keyring.as_ref(), self.env.hash_cost)
    }

    fn sign_in_screen(&self, mut workspace: Workspace) -> Screen {
        let now = self.frame_now;
        if let Err(e) = workspace.set_lock_wait(WINDOW_LOCK_WAIT) {
            return Screen::Unavailable(e.to_string());
        }
        let workspace_name = workspace.name(now).unwrap_or_default();
        let usernames: Vec<String> = workspace
            .users(now)
            .map(|u| u.into_iter().map(|u| u.username).collect())
            .unwrap_or_default();
        let is_demo = demo::DEMO_USERS
            .iter()
            .all(|(name, _, _)| usernames.iter().any(|u| u == name));
        let demo_users = if is_demo {
            demo::DEMO_USERS
                .iter()
                .map(|(name, _, _)| (*name).to_owned())
                .collect()
        } else {
            Vec::new()
        };
        Screen::SignIn(Box::new(SignInState {
            to: SignInTo::Open(workspace),
            view: SignInView {
                workspace_name,
                demo_users,
            },
        }))
    }

    /// The sign-in of a PostgreSQL workspace: nothing is read before the
    /// server lets the user in, so the screen names the address.
    fn server_sign_in_screen(target: PgTarget) -> Screen {
        let workspace_name = target.describe();
        Screen::SignIn(Box::new(SignInState {
            to: SignInTo::Server(Box::new(target)),
            view: SignInView {
                workspace_name,
                demo_users: Vec::new(),
            },
        }))
    }

    /// Applies one intent at `now`. Public so tests can drive the app directly too.
    pub fn apply(&mut self, intent: &Intent) {
        // What an intent added to the audit log is checked next frame; one that
        // only moves the view (a filter keystroke, a selection) adds nothing.
        if may_write(intent) {
            self.audit.mark_changed();
        }
        match intent {
            Intent::Start(
                start @ (StartIntent::CreateDemoWorkspace | StartIntent::CreateEmptyWorkspace),
            ) => {
                self.apply_first_start(*start);
            }
            Intent::Start(StartIntent::SignIn | StartIntent::ChangePasswordAndSignIn) => {
                self.apply_sign_in();
            }
            Intent::Preferences(PreferencesIntent::ChooseTheme(choice)) => {
                if let Err(reason) = self.appearance.choose_theme(*choice)
                    && let Screen::Main(main) = &mut self.screen
                {
                    main.view
                        .status
                        .set_error(format!("The theme choice cannot be remembered: {reason}"));
                }
            }
            Intent::Admin(AdminIntent::MoveKey { into_keyring }) => {
                let now = self.frame_now;
                if let Screen::Main(main) = &mut self.screen {
                    let key_file = self.path.as_deref().map(key_file_for);
                    main.move_key(*into_keyring, self.env.keyring.as_ref(), key_file, now);
                }
            }
            Intent::AuditLog(AuditIntent::Verify) => {
                if let Screen::Main(main) = &mut self.screen {
                    main.verify_audit_log(&self.env.witness);
                }
            }
            Intent::Start(StartIntent::SignOut) => {
                self.idle.forget();
                self.sign_out(None);
            }
            Intent::Start(StartIntent::RestoreTyped) => {
                if let Screen::Main(main) = &mut self.screen
                    && let Dialog::RestoreTyped(saved) = std::mem::take(&mut main.dialog)
                {
                    main.dialog = *saved;
                }
            }
            other => {
                let now = self.frame_now;
                if let Screen::Main(main) = &mut self.screen {
                    main.apply(other, now, self.env.launcher.as_ref());
                    if may_write(other) {
                        main.notifications_may_have_changed();
                    }
                    // A user disabled or removed by an administrator meanwhile
                    // is signed out at their next action (R-ADM-2); the service
                    // refused the action itself already.
                    if main.session_ended(now) {
                        self.idle.forget();
                        self.sign_out(Some(
                            "Your account was disabled by an administrator. Ask an administrator to enable it."
                                .to_owned(),
                        ));
                    }
                }
            }
        }
    }

    fn apply_first_start(&mut self, intent: StartIntent) {
        let now = self.frame_now;
        let Some(path) = self.path.clone() else {
            return;
        };
        self.first_start.errors = crate::domain::FieldErrors::default();
        if intent == StartIntent::CreateEmptyWorkspace {
            let admin = NewUser {
                username: self.first_start.username.clone(),
                display_name: self.first_start.display_name.clone(),
                email: String::new(),
                is_admin: true,
            };
            if let Err(DomainError::Invalid(errors)) =
                admin.validate(self.first_start.password.as_str())
            {
                self.first_start.errors = errors;
                return;
            }
        }
        let admin = NewUser {
            username: self.first_start.username.trim().to_owned(),
            display_name: self.first_start.display_name.trim().to_owned(),
            email: String::new(),
            is_admin: true,
        };
        let contents = if intent == StartIntent::CreateDemoWorkspace {
            Contents::Demo
        } else {
            Contents::Empty {
                name: "My workspace",
                admin: &admin,
                password: self.first_start.password.as_str(),
            }
        };
        // All or nothing: a failed creation leaves no workspace behind, so
        // the person can simply try again.
        let created = Workspace::create_file(
            &path,
            contents,
            self.env.keyring.as_ref(),
            self.env.hash_cost,
            now,
        )
        .and_then(|created| match created.session {
            Some(session) => MainState::load(
                created.workspace,
                session,
                self.env.clipboard.clone(),
                Arc::clone(&self.env.notifier),
                now,
            )
            .map(|main| Screen::Main(Box::new(main)))
            .map_err(|failed| failed.1),
            None => Ok(self.sign_in_screen(created.workspace)),
        });
        match created {
            Ok(screen) => {
                self.first_start.password.clear();
                self.first_start.notice = None;
                self.screen = screen;
                if let Some(workspace) = Self::workspace_mut(&mut self.screen) {
                    self.audit.record_created(&path, workspace);
                    self.audit.verify_now(workspace);
                }
            }
            Err(e) => {
                self.first_start
                    .errors
                    .push(Field::Workspace, e.to_string());
            }
        }
    }

    fn apply_sign_in(&mut self) {
        let now = self.frame_now;
        let screen = std::mem::replace(&mut self.screen, Screen::FirstStart);
        let Screen::SignIn(state) = screen else {
            self.screen = screen;
            return;
        };
        let SignInState { to, view } = *state;
        let form = &mut self.sign_in;
        if form.must_change && form.new_password.as_str() != form.repeat_password.as_str() {
            form.errors = FieldErrors::default();
            form.errors
                .push(Field::Password, "the two new passwords differ");
            self.screen = Screen::SignIn(Box::new(SignInState { to, view }));
            return;
        }
        let mut workspace = match to {
            SignInTo::Open(workspace) => workspace,
            // A PostgreSQL workspace opens with the user's own connection.
            SignInTo::Server(target) => {
                match Workspace::connect_postgres(&target, &form.username, form.password.as_str()) {
                    Ok(workspace) => workspace,
                    Err(e) => {
                        let to = SignInTo::Server(target);
                        self.refuse_sign_in(SignInState { to, view }, &e);
                        return;
                    }
                }
            }
        };
        let form = &mut self.sign_in;
        let signed_in = if form.must_change {
            form.errors = FieldErrors::default();
            workspace.change_password(
                &form.username,
                form.password.as_str(),
                form.new_password.as_str(),
                now,
            )
        } else {
            workspace.sign_in(&form.username, form.password.as_str(), now)
        };
        match signed_in {
            Ok(session) => self.open_main(workspace, view, session, now),
            Err(ServiceError::PasswordChangeRequired) => {
                // The temporary password was right: it stays typed, and a
                // new one is asked for.
                let form = &mut self.sign_in;
                form.must_change = true;
                form.error = None;
                form.notice = Some(
                    "An administrator reset your password. Choose a new one to sign in.".into(),
                );
                self.screen = Screen::SignIn(Box::new(self.back_to_sign_in(workspace, view)));
            }
            Err(e) => {
                let state = self.back_to_sign_in(workspace, view);
                self.refuse_sign_in(state, &e);
            }
        }
    }

    /// The sign-in screen again, after `workspace` was tried: the same open
    /// workspace, or (for a PostgreSQL workspace) its address, the user's
    /// connection closing.
    fn back_to_sign_in(&self, workspace: Workspace, view: SignInView) -> SignInState {
        let to = match &self.server {
            Some(target) => SignInTo::Server(Box::new(target.clone())),
            None => SignInTo::Open(workspace),
        };
        SignInState { to, view }
    }

    /// Back to the sign-in screen with why it failed.
    fn refuse_sign_in(&mut self, state: SignInState, e: &ServiceError) {
        if let Some(errors) = e.field_errors() {
            self.sign_in.errors = errors.clone();
        } else {
            if !e.is_locked_by_another() {
                // Nothing was checked while another program held the lock:
                // the person only has to press Enter again.
                self.sign_in.password.clear();
            }
            self.sign_in.error = Some(e.to_string());
            self.sign_in.focus_password = true;
        }
        self.screen = Screen::SignIn(Box::new(state));
    }

    /// Signed in: the main window for `session`, or back to the sign-in
    /// with the reason when it cannot be loaded.
    fn open_main(
        &mut self,
        mut workspace: Workspace,
        view: SignInView,
        session: Session,
        now: Timestamp,
    ) {
        let form = &mut self.sign_in;
        form.password.clear();
        form.new_password.clear();
        form.repeat_password.clear();
        form.must_change = false;
        form.errors = FieldErrors::default();
        form.error = None;
        // The window's clock follows the server's where a server ends access.
        self.clock_offset = match workspace.server_instant() {
            Ok(Some(server_now)) => Span(server_now.millis() - self.env.clock.now().millis()),
            _ => Span::ZERO,
        };
        let loaded = MainState::load(
            workspace,
            session,
            self.env.clipboard.clone(),
            Arc::clone(&self.env.notifier),
            now,
        );
        match loaded {
            Ok(mut main) => {
                self.sign_in.notice = None;
                self.idle.touch(now);
                if let Some(dialog) = self.idle.take_typed(&main.view.user.username) {
                    main.dialog = Dialog::RestoreTyped(Box::new(dialog));
                }
                self.screen = Screen::Main(Box::new(main));
            }
            Err(failed) => {
                let (workspace, e) = *failed;
                self.sign_in.error = Some(e.to_string());
                self.screen = Screen::SignIn(Box::new(self.back_to_sign_in(workspace, view)));
            }
        }
    }

    /// Back to the sign-in screen: the copied secret is cleared and the
    /// password field emptied; `notice` says why, when it was not asked for.
    fn sign_out(&mut self, notice: Option<String>) {
        let screen = std::mem::replace(&mut self.screen, Screen::FirstStart);
        self.screen = match screen {
            Screen::Main(mut main) => {
                // Whoever signs in next must not find the secret (R-REQ-8).
                main.clear_copied_secret();
                self.sign_in.password.clear();
                self.sign_in.error = None;
                if notice.is_some() {
                    // Locked, not left: the same person comes back to it.
                    self.sign_in.username.clone_from(&main.view.user.username);
                    self.sign_in.focus_password = true;
                }
                self.sign_in.notice = notice;
                let workspace = main.into_workspace();
                match &self.server {
                    // The user's connection closes with their session.
                    Some(target) => Self::server_sign_in_screen(target.clone()),
                    None => self.sign_in_screen(workspace),
                }
            }
            other => other,
        };
    }

    /// Signs out after `limit` without input (issue 14). A dialog holding
    /// typed input is kept in memory, to be offered back to the same user
    /// at their next sign-in.
    fn lock_when_idle(&mut self, limit: Span) {
        self.lock_keeping_typed(format!(
            "Latchkey locked itself after {} without activity. Sign in to go on.",
            present::duration(limit)
        ));
    }

    /// Signs out as the idle lock does (a dialog with typed input is kept
    /// in memory, to offer back), saying `why`.
    fn lock_keeping_typed(&mut self, why: String) {
        if let Screen::Main(main) = &mut self.screen {
            let dialog = std::mem::take(&mut main.dialog);
            if dialog.holds_typed_input() {
                self.idle
                    .keep_typed(main.view.user.username.clone(), dialog);
            }
        }
        self.sign_out(Some(why));
    }

    /// The window title (R-DSK: "Latchkey — workspace — user" once signed in).
    pub fn window_title(&self) -> String {
        match &self.screen {
            Screen::Main(main) => format!(
                "Latchkey — {} — {}",
                main.view.workspace_name, main.view.user.display_name
            ),
            _ => "Latchkey".to_owned(),
        }
    }

    /// Everything that is not drawing: read the clock once, pick up other
    /// processes' changes, record what time did, and plan the next repaint.
    fn frame_logic(&mut self, ctx: &egui::Context) {
        let now = self.env.clock.now() + self.clock_offset;
        self.frame_now = now;
        self.appearance.logic(ctx);
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        // Taken on every screen, so a lock heard while signed out is not
        // applied to the next sign-in.
        if self.screen_lock.take_locked() && matches!(self.screen, Screen::Main(_)) {
            self.lock_keeping_typed(
                "Latchkey locked itself when the screen locked. Sign in to go on.".to_owned(),
            );
        }
        if let Screen::Main(main) = &mut self.screen {
            main.ensure_watcher(ctx);
            if main.logic(now) {
                self.audit.mark_changed();
            }
            if main.take_raise_request() {
                // A desktop notification's action: the window comes forward
                // on what it is about (R-BEY-6).
                ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
                ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
                ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
                ctx.request_repaint();
            }
            if let Some(at) = main.next_wake_at(now) {
                let wait = at.since(now).millis().clamp(1, 3_600_000);
                ctx.request_repaint_after(std::time::Duration::from_millis(wait as u64));
            }
            if let Some(limit) = main.view.settings.idle_lock() {
                let at = self.idle.last_input_at() + limit;
                if now >= at {
                    self.lock_when_idle(limit);
                } else {
                    let wait = at.since(now).millis().clamp(1, 3_600_000);
                    ctx.request_repaint_after(std::time::Duration::from_millis(wait as u64));
                }
            }
        }
        self.audit.logic(ctx, Self::workspace_mut(&mut self.screen));
        self.script_logic();
    }

    /// The services the application was given (tests read the clipboard through it).
    pub fn env(&self) -> &AppEnv {
        &self.env
    }

    /// Leaves no secret behind when the application exits: a password it
    /// copied is cleared if the clipboard still holds it (issue 10).
    pub fn on_exit_clear(&mut self) {
        if let Screen::Main(main) = &mut self.screen {
            main.clear_copied_secret();
        }
    }

    /// The instant of the current frame.
    pub fn now(&self) -> Timestamp {
        self.frame_now
    }
}

impl eframe::App for LatchkeyApp {
    /// Only the window's size and position are remembered between runs:
    /// egui's memory could hold what was typed.
    fn persist_egui_memory(&self) -> bool {
        false
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.frame_logic(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut intents = Vec::new();
        let path = self
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let audit = AuditView {
            problem: self.audit.problem(),
            note: self.audit.note(),
        };
        let screen = match &mut self.screen {
            Screen::FirstStart => ScreenView::FirstStart {
                path: &path,
                form: &mut self.first_start,
            },
            Screen::SignIn(state) => ScreenView::SignIn {
                view: &state.view,
                form: &mut self.sign_in,
                audit,
            },
            Screen::Unavailable(reason) => ScreenView::Unavailable {
                reason,
                path: &path,
            },
            Screen::Main(main) => ScreenView::Main {
                view: &main.view,
                dialog: &mut main.dialog,
                admin: main.admin.as_mut(),
                audit_log: main.audit_log.as_mut(),
                audit,
                theme: self.appearance.choice(),
            },
        };
        crate::ui::app_ui(ui, screen, self.frame_now, &mut intents);
        if idle::has_input(ui.ctx()) {
            self.idle.touch(self.frame_now);
        }
        for intent in &intents {
            self.apply(intent);
        }
        if !intents.is_empty() {
            ui.ctx().request_repaint();
        }
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.on_exit_clear();
    }
}

/// Whether carrying out `intent` may write to the workspace (and so to its
/// audit log). Only intents that merely change what is shown are listed as
/// not writing; anything new counts as writing until said otherwise.
fn may_write(intent: &Intent) -> bool {
    !matches!(
        intent,
        Intent::CloseDialog
            | Intent::Preferences(_)
            | Intent::Vault(
                VaultIntent::SelectVault(_)
                    | VaultIntent::SelectEntry(_)
                    | VaultIntent::ToggleFolder(_)
                    | VaultIntent::SetFilter(_)
                    | VaultIntent::HidePassword
                    | VaultIntent::ShowDashboard
            )
            | Intent::Access(
                AccessIntent::AskForAccess(_)
                    | AccessIntent::OpenRequestDialog(_)
                    | AccessIntent::RequestExtension(_)
                    | AccessIntent::ShowDetails(_)
                    | AccessIntent::AskRevoke(_)
                    | AccessIntent::AskRelease(_)
            )
            | Intent::Approval(
                ApprovalIntent::OpenResponse(_) | ApprovalIntent::OpenDirectGrant(_)
            )
            | Intent::Notifications(NotificationsIntent::Open | NotificationsIntent::Close)
            | Intent::Search(
                SearchIntent::Open
                    | SearchIntent::Close
                    | SearchIntent::SetQuery(_)
                    | SearchIntent::Move(_)
                    | SearchIntent::Choose(_)
            )
            | Intent::Import(ImportIntent::Open { .. } | ImportIntent::Browse | ImportIntent::Read)
            | Intent::Admin(
                AdminIntent::Open
                    | AdminIntent::Close
                    | AdminIntent::SelectUser(_)
                    | AdminIntent::NewUser
                    | AdminIntent::EditUser(_)
                    | AdminIntent::AskResetPassword(_)
                    | AdminIntent::CancelUserForm
                    | AdminIntent::AskDisable(_)
                    | AdminIntent::ShowTab(_)
                    | AdminIntent::SelectVault(_)
                    | AdminIntent::SelectSet(_)
                    | AdminIntent::NewSet
            )
            | Intent::Edit(
                EditIntent::NewVault
                    | EditIntent::RenameVault(_)
                    | EditIntent::AskDeleteVault(_)
                    | EditIntent::NewEntry { .. }
                    | EditIntent::EditEntry(_)
                    | EditIntent::GeneratePassword
                    | EditIntent::AskMove(_)
                    | EditIntent::AskDelete(_)
            )
            | Intent::AuditLog(
                AuditIntent::Open
                    | AuditIntent::Close
                    | AuditIntent::ApplyFilters
                    | AuditIntent::ClearEntry
                    | AuditIntent::ClearFilters
                    | AuditIntent::LoadMore
                    | AuditIntent::Select(_)
                    | AuditIntent::ShowEvent(_)
                    | AuditIntent::Verify
                    | AuditIntent::OpenExport
                    | AuditIntent::CloseExport
                    | AuditIntent::BrowseExport
                    | AuditIntent::HistoryOfEntry(_)
                    | AuditIntent::HistoryOfUser(_)
                    | AuditIntent::CloseHistory
            )
            | Intent::Requests(
                RequestsIntent::Open
                    | RequestsIntent::Close
                    | RequestsIntent::Sort(_)
                    | RequestsIntent::SetStatusFilter(_)
                    | RequestsIntent::SetTextFilter(_)
                    | RequestsIntent::SetBulkMessage(_)
                    | RequestsIntent::Select(_)
                    | RequestsIntent::MoveSelection(_)
                    | RequestsIntent::ToggleChecked(_)
                    | RequestsIntent::AskDenyReason
                    | RequestsIntent::SetDenyReason(_)
                    | RequestsIntent::CancelDeny
            )
    )
}

/// The lead before the end at which a grant counts as expiring soon.
pub(crate) fn expiring_lead(settings: &crate::domain::settings::WorkspaceSettings) -> Span {
    Span::mins(i64::from(settings.expiring_soon_lead_mins))
}
